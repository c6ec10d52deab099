// The implementor API of wrkr (`@wrkr/core/backend`): what a backend package needs, and nothing a user
// of Wrkr does. Users import from `@wrkr/core` (see ./index.ts).
export * from './contract';
export { BaseBackend } from './base-backend';
export { WakeTickets, type WakeTicket } from './wake-tickets';
export { matchPattern } from './pattern';
export { silentLogger, type Logger } from './logger';
export { maskUrl } from './redact';
export { WrkrError, isWrkrError, ValidationError, BackendError, ClosedError, NotStartedError, NotSupportedError, type WrkrErrorCode } from './errors';
// The name rules of the contract, for a backend's (or a tool's) own options, so they agree with the base's checks.
// The priority range of the contract, for backends whose broker objects are declared with it (RabbitMQ's x-max-priority).
export { MAX_PRIORITY } from './backend-input';
export { assertEventName, assertHeaders, assertId, assertInt, assertKnownKeys, assertPattern, assertQueueName, isPlainObject } from './validation';
