import { MemoryBackend, MemoryStore } from '@wrkr/backend-memory';
import { runConformance } from '@wrkr/backend-tests/jest';

// The suite validates itself against the reference backend: every test must pass here.
const store = new MemoryStore();

runConformance({
  name: 'memory (suite self-check)',
  createBackend: ({ namespace }) => new MemoryBackend({ namespace, store }),
  destroyBackend: ({ namespace }) => Promise.resolve(store.drop(namespace)),
  interruptConnections: () => Promise.resolve(store.interrupt()),
});
