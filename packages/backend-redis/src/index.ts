export { RedisBackend, type RedisBackendOptions } from './redis-backend';
