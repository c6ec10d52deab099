export { MongoBackend } from './mongo-backend';
export type { MongoBackendOptions } from './options';
export type { KeepCompleted } from './reaper';
export { dropNamespace } from './drop-namespace';
