import { amqpUrl } from '@wrkr/backend-tests/services';
import { ackNackTests, completedTests, delayedTests, jobLookupTests, leaseTests, listingTests, runGroups } from '@wrkr/backend-tests';
import { jestApi } from '@wrkr/backend-tests/jest';
import { RabbitMqBackend } from '@wrkr/backend-rabbitmq';

let url: string | undefined;
beforeAll(async () => {
  url = await amqpUrl();
});

// The groups that need the shadow logs (lookup, listings, kept completions), and those whose state changes
// the logs must follow (acks and nacks, lease expiry, the delay path). The whole suite runs without the
// logs in conformance.test.ts: with a stream per queue for every group, the mongodb suite running beside
// it in CI's parallel phase timed out (README, "Job lookup and listings").
runGroups(
  {
    name: 'rabbitmq (jobIndex)',
    createBackend: ({ namespace }) => new RabbitMqBackend({ ...(url ? { url } : {}), namespace, jobIndex: true }),
    destroyBackend: async ({ namespace }) => {
      const b = new RabbitMqBackend({ ...(url ? { url } : {}), namespace });
      await b.start();
      await b.destroy();
    },
    timing: { dueToleranceMs: 100, leaseMs: 1000 },
  },
  jestApi,
  [jobLookupTests, listingTests, completedTests, ackNackTests, leaseTests, delayedTests],
);
