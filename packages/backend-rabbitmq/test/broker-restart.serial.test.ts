import { persistenceTests } from '@wrkr/backend-tests';
import { amqpUrl } from '@wrkr/backend-tests/services';
import { jestApi } from '@wrkr/backend-tests/jest';
import { RabbitMqBackend } from '@wrkr/backend-rabbitmq';
import { restartBroker } from './rabbitmqctl';

// The conformance suite's persistence group with a real broker restart (stop_app/start_app). A
// `.serial.test.ts` file: scripts/test.sh runs it alone, after the parallel run, since it disrupts
// every other client of this RabbitMQ.
let url: string | undefined;
beforeAll(async () => {
  url = await amqpUrl();
});

persistenceTests(
  {
    name: 'rabbitmq (broker restart)',
    // Synchronous so the suite reads the capabilities at registration; the URL is resolved before any test.
    createBackend: ({ namespace }) => new RabbitMqBackend({ ...(url ? { url } : {}), namespace }),
    destroyBackend: async ({ namespace }) => {
      const b = new RabbitMqBackend({ ...(url ? { url } : {}), namespace });
      await b.start();
      await b.destroy();
    },
    timing: { dueToleranceMs: 100, leaseMs: 1000 },
    restartService: restartBroker,
  },
  jestApi,
);
