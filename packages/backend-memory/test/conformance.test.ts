import { MemoryBackend, MemoryStore } from '@wrkr/backend-memory';
import { runConformance } from '@wrkr/backend-tests/jest';

// One store for the whole file: clients of a namespace share data (persistence), namespaces stay apart
// (isolation), and interrupt() is the server dropping every connection (connection loss).
const store = new MemoryStore();

runConformance({
  name: 'memory',
  createBackend: ({ namespace }) => new MemoryBackend({ namespace, store }),
  destroyBackend: ({ namespace }) => Promise.resolve(store.drop(namespace)),
  interruptConnections: () => Promise.resolve(store.interrupt()),
  timing: { dueToleranceMs: 50 },
});
