import { amqpUrl, persistenceTests } from '@wrkr/backend-tests';
import { jestApi } from '@wrkr/backend-tests/jest';
import { RabbitMqBackend } from '@wrkr/backend-rabbitmq';
import { restartBroker } from './rabbitmqctl';

// The conformance suite's persistence group with a real broker restart (stop_app/start_app). A
// `.serial.test.ts` file: scripts/test.sh runs it alone, after the parallel run, since it disrupts
// every other client of this RabbitMQ.
persistenceTests(
  {
    name: 'rabbitmq (broker restart)',
    createBackend: async ({ namespace }) => new RabbitMqBackend({ url: await amqpUrl(), namespace }),
    destroyBackend: async ({ namespace }) => {
      const b = new RabbitMqBackend({ url: await amqpUrl(), namespace });
      await b.start();
      await b.destroy();
    },
    timing: { dueToleranceMs: 100, leaseMs: 1000 },
    restartService: restartBroker,
  },
  jestApi,
);
