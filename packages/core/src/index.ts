// The user API of wrkr. Backend authors import from `@wrkr/core/backend` instead (see ./backend.ts).
export type { JobInfo } from './job-info';
export type { KeepCompletedOptions } from './keep-completed';
export { Wrkr, type WrkrOptions, type Subscription, type PulledItem, type FailedEvent, type ScheduleInfo, type QueueStatus } from './wrkr';
export type { EventInput, WrkrEvent, Published, Headers, JsonValue } from './event';
export type { Handler, DataHandler, HandlerContext, SubscribeOptions, WrkrEventWithData } from './handler';
export type { RetryOptions } from './retry-policy';
export { parseScheduleRule, type ScheduleRuleInput, type StoredRule } from './schedule-rule';
export type { WrkrEventMap } from './wrkr-events';
export type { LifecycleWatch, JobLifecycle, LifecycleWatchEvents } from './lifecycle-watch';
export type { EncryptionOptions } from './payload-cipher';
export { MAX_DURATION_MS, parseDuration, type Duration, type When } from './duration';
export { MAX_JSON_DEPTH } from './validation';
export type { Logger } from './logger';
export { maskUrl, LOG_REDACT_PATHS } from './redact';
export type { Backend, BackendCapabilities, FailureInfo, JobState, LeaseRef, LifecycleKind, Message, QueueCounters, GroupLimits, QueueLimits, QueueStats, WorkerInfo, KeyMode, KeyOutcome } from './contract';
export type { QueueLimitsInput, RateInput } from './queue-limits-input';
export {
  WrkrError,
  isWrkrError,
  ValidationError,
  PayloadTooLargeError,
  NotSupportedError,
  TimeoutError,
  AbortedError,
  StaleLeaseError,
  ClosedError,
  NotStartedError,
  DuplicateWorkerError,
  NotFoundError,
  CryptoError,
  BackendError,
  RemoteError,
  type WrkrErrorCode,
} from './errors';
