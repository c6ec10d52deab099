import { amqpUrl } from '@wrkr/backend-tests/services';
import { runConformance } from '@wrkr/backend-tests/jest';
import { RabbitMqBackend } from '@wrkr/backend-rabbitmq';
import type { Backend } from '@wrkr/core/backend';
import { closeConnections } from './rabbitmqctl';

let url: string | undefined;
beforeAll(async () => {
  url = await amqpUrl();
});

runConformance({
  name: 'rabbitmq',
  // Synchronous so the suite reads the capabilities at registration; the URL is resolved before any test.
  // Without the shadow logs (the default): job-index-conformance.test.ts runs the groups that need them.
  createBackend: ({ namespace }) => new RabbitMqBackend({ ...(url ? { url } : {}), namespace }),
  destroyBackend: async ({ namespace }) => {
    const b = new RabbitMqBackend({ ...(url ? { url } : {}), namespace });
    await b.start();
    await b.destroy();
  },
  // Lease tests get 1 s: a broker round trip per close/start on a shared 2-core box eats into 400 ms.
  timing: { dueToleranceMs: 100, leaseMs: 1000 },
  interruptConnections: async (backend: Backend) => {
    const killed = await closeConnections((backend as RabbitMqBackend).connectionName);
    if (killed === 0) throw new Error('no connection of this backend found to close');
  },
  // The server-restart test disrupts everyone sharing this broker: broker-restart.serial.test.ts runs it alone.
});
