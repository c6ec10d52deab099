export { createServer, type ServerOptions } from './create-server';
export { createMetrics, type WrkrMetrics } from './metrics';
export { listen, isLoopback } from './listen';
export type { AuthOptions } from './auth';
export { apiErrorSchema, type ApiError, type ApiErrorCode } from './api-error';
export { MAX_FETCH_WAIT_MS, MAX_LEASE_MS } from './routes/pull';
