export { RabbitMqBackend } from './rabbitmq-backend';
export { DEFAULT_URL, type RabbitMqBackendOptions } from './options';
export type { QueueType } from './queue-declarer';
export { QueueArgumentsError, type QueueArgumentsInfo } from './queue-arguments-error';
