export { MemoryBackend, type MemoryBackendOptions } from './memory-backend';
export { MemoryStore, type MemoryStoreOptions } from './memory-store';
