import { persistenceTests, runGroups } from '@wrkr/backend-tests';
import { redisUrl } from '@wrkr/backend-tests/services';
import { jestApi, runConformance } from '@wrkr/backend-tests/jest';
import { RedisBackend } from '../src';
import { destroyNamespace, killConnections } from './helpers';
import { AppendOnlyRedis } from './redis-server';

// The whole suite against the shared local Redis; connection loss by CLIENT KILL of the backend's connections.
let url: string | undefined;
beforeAll(async () => {
  url = await redisUrl();
});
runConformance({
  name: 'redis',
  // Synchronous so the suite can read the capabilities at registration (url is resolved by then for tests).
  createBackend: ({ namespace }) => new RedisBackend({ ...(url ? { url } : {}), namespace }),
  destroyBackend: ({ namespace }) => destroyNamespace(namespace, url),
  interruptConnections: async (backend) => {
    await killConnections((backend as RedisBackend).namespace, url);
  },
});

// Server restarts only on a server this test owns: a private append-only redis-server.
let server: AppendOnlyRedis | undefined;
beforeAll(async () => {
  server = await AppendOnlyRedis.start();
});
afterAll(async () => {
  await server?.stop();
});
runGroups(
  {
    name: 'redis, append-only server restarted',
    createBackend: ({ namespace }) => new RedisBackend({ ...(server ? { url: server.url } : {}), namespace }),
    destroyBackend: ({ namespace }) => destroyNamespace(namespace, server!.url),
    restartService: () => server!.restart(),
  },
  jestApi,
  [persistenceTests],
);
