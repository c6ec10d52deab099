import { MemoryStore } from '@wrkr/backend-memory';
import { runConformance } from '@wrkr/backend-tests/jest';
import { DelegatingBackend } from '../src/delegating-backend';

const store = new MemoryStore();
runConformance({ name: 'delegating', createBackend: ({ namespace }) => new DelegatingBackend(namespace, store) });
