export { createServer, type ServerOptions } from './create-server';
export { listen, isLoopback } from './listen';
export type { AuthOptions } from './auth';
