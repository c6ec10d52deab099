export { MongoBackend } from './mongo-backend';
export type { MongoBackendOptions } from './options';
export { dropNamespace } from './drop-namespace';
