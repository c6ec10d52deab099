import { ValidationError } from './errors';
import { MAX_JOBS_PAGE, type AbortRequest, type AckOptions, type ClaimOptions, type FailureInfo, type JobListOptions, type LeaseRef, type LifecycleEvent, type ListOptions, type Message, type NackOutcome, type Outgoing, type ScheduleRecord, type KeyMode, type QueueLimits, MAX_LIMIT, MAX_RATE_WINDOW_MS } from './contract';
import { assertEventName, assertHeaders, assertId, assertInt, assertJson, assertKnownKeys, assertQueueName, isPlainObject } from './validation';

// Checks of Backend method arguments, called by BaseBackend before any backend code runs: a backend is a
// public API of its own (tools and tests call it without Wrkr), so a bad call is refused with a
// ValidationError before anything is written. One copy, so every backend refuses the same things.

/** Most deliveries one claim may ask for (core's largest concurrency); bounds a backend's work per call. */
export const MAX_CLAIM = 10_000;

/** Throw unless `value` is an epoch-ms instant (a whole, non-negative number: what Date.now() gives). */
export function assertTime(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ValidationError(field, 'must be a whole number of epoch ms');
}

/** Throw unless `value` is a whole number of milliseconds, at least `min`. */
export function assertMs(value: unknown, field: string, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new ValidationError(field, `must be a whole number of ms, at least ${min}`);
}

function assertObject(value: unknown, field: string): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) throw new ValidationError(field, 'must be an object');
}

function assertOptionalString(value: unknown, field: string): void {
  if (value !== undefined && typeof value !== 'string') throw new ValidationError(field, 'must be a string');
}

function assertTid(value: unknown, field: string): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 200)) {
    throw new ValidationError(field, 'must be a string of 1–200 characters');
  }
}

/** Throw unless `m` is a well-formed message. */
export function assertMessage(m: unknown, field: string): asserts m is Message {
  assertObject(m, field);
  assertId(m.id, `${field}.id`);
  assertEventName(m.name, `${field}.name`);
  assertTid(m.tid, `${field}.tid`);
  if (m.headers !== undefined) assertHeaders(m.headers, `${field}.headers`);
  assertOptionalString(m.body, `${field}.body`);
  assertTime(m.publishedAt, `${field}.publishedAt`);
}

/** Throw unless `items` is an array of well-formed outgoing messages. */
export function assertOutgoing(items: unknown, field = 'items'): asserts items is readonly Outgoing[] {
  if (!Array.isArray(items)) throw new ValidationError(field, 'must be an array');
  items.forEach((item: unknown, i) => {
    assertObject(item, `${field}[${i}]`);
    assertMessage(item.message, `${field}[${i}].message`);
    if (item.dueAt !== undefined) assertTime(item.dueAt, `${field}[${i}].dueAt`);
    if (item.priority !== undefined) assertPriority(item.priority, `${field}[${i}].priority`);
    assertItemKey(item, `${field}[${i}]`);
  });
}

/** Throw unless `ref` addresses a lease. */
export function assertLeaseRef(ref: unknown, field = 'ref'): asserts ref is LeaseRef {
  assertObject(ref, field);
  assertQueueName(ref.queue, `${field}.queue`);
  assertId(ref.id, `${field}.id`);
  if (typeof ref.token !== 'string' || ref.token.length === 0) throw new ValidationError(`${field}.token`, 'must be a non-empty string');
}

/** Throw unless `o` are usable claim options. */
export function assertClaimOptions(o: unknown, field = 'options'): asserts o is ClaimOptions {
  assertObject(o, field);
  assertInt(o.max, `${field}.max`, 1, MAX_CLAIM);
  assertMs(o.leaseMs, `${field}.leaseMs`, 1);
  assertMs(o.waitMs, `${field}.waitMs`, 0);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new ValidationError(`${field}.signal`, 'must be an AbortSignal');
  if (o.holder !== undefined) {
    assertId(o.holder, `${field}.holder`);
    // A holder holds at most one item per queue: that is what makes "the item it holds" one item.
    if (o.max !== 1) throw new ValidationError(`${field}.max`, 'must be 1 when a holder is given');
  }
}

/** Throw unless `e` is well-formed failure information. */
export function assertFailure(e: unknown, field: string): asserts e is FailureInfo {
  assertObject(e, field);
  if (typeof e.message !== 'string') throw new ValidationError(`${field}.message`, 'must be a string');
  assertOptionalString(e.name, `${field}.name`);
  assertOptionalString(e.stack, `${field}.stack`);
  assertOptionalString(e.code, `${field}.code`);
}

/** Throw unless `o` is a nack outcome. */
export function assertNackOutcome(o: unknown, field = 'outcome'): asserts o is NackOutcome {
  assertObject(o, field);
  switch (o.kind) {
    case 'retry':
      assertTime(o.dueAt, `${field}.dueAt`);
      if (o.error !== undefined) assertFailure(o.error, `${field}.error`);
      return;
    case 'release':
      return;
    case 'fail':
      assertFailure(o.error, `${field}.error`);
      return;
    default:
      throw new ValidationError(`${field}.kind`, "must be 'retry', 'release' or 'fail'");
  }
}

/** Throw unless `o` are listing options. */
export function assertListOptions(o: unknown, field = 'options'): asserts o is ListOptions | undefined {
  if (o === undefined) return;
  assertObject(o, field);
  assertKnownKeys(o, ['limit', 'offset'], field);
  if (o.limit !== undefined) assertInt(o.limit, `${field}.limit`, 0);
  if (o.offset !== undefined) assertInt(o.offset, `${field}.offset`, 0);
}

/** Throw unless `o` is a `jobs` page request: a listable state, limit 1…MAX_JOBS_PAGE, offset ≥ 0. */
export function assertJobListOptions(o: unknown, field = 'options'): asserts o is Partial<JobListOptions> & Pick<JobListOptions, 'state'> {
  assertObject(o, field);
  assertKnownKeys(o, ['state', 'limit', 'offset'], field);
  if (!LISTABLE_STATES.includes(o.state as JobListOptions['state'])) throw new ValidationError(`${field}.state`, `must be one of ${LISTABLE_STATES.join(', ')}`);
  if (o.limit !== undefined) assertInt(o.limit, `${field}.limit`, 1, MAX_JOBS_PAGE);
  if (o.offset !== undefined) assertInt(o.offset, `${field}.offset`, 0);
}

const LISTABLE_STATES: ReadonlyArray<JobListOptions['state']> = ['ready', 'delayed', 'inFlight', 'failed', 'completed'];

/** Throw unless `ids` is absent or an array of ids. */
export function assertIds(ids: unknown, field = 'ids'): asserts ids is readonly string[] | undefined {
  if (ids === undefined) return;
  if (!Array.isArray(ids)) throw new ValidationError(field, 'must be an array of ids');
  ids.forEach((id: unknown, i) => assertId(id, `${field}[${i}]`));
}

/** Throw unless `r` is a well-formed schedule record. */
export function assertScheduleRecord(r: unknown, field = 'record'): asserts r is ScheduleRecord {
  assertObject(r, field);
  assertId(r.name, `${field}.name`);
  assertObject(r.rule, `${field}.rule`);
  if ('every' in r.rule) {
    assertMs(r.rule.every, `${field}.rule.every`, 1);
  } else if (typeof r.rule.cron === 'string' && r.rule.cron.length > 0) {
    assertOptionalString(r.rule.tz, `${field}.rule.tz`);
  } else {
    throw new ValidationError(`${field}.rule`, 'must be { every: ms } or { cron, tz? }');
  }
  assertObject(r.event, `${field}.event`);
  assertEventName(r.event.name, `${field}.event.name`);
  assertTid(r.event.tid, `${field}.event.tid`);
  if (r.event.headers !== undefined) assertHeaders(r.event.headers, `${field}.event.headers`);
  assertOptionalString(r.event.body, `${field}.event.body`);
  if (typeof r.active !== 'boolean') throw new ValidationError(`${field}.active`, 'must be a boolean');
  assertTime(r.nextRunAt, `${field}.nextRunAt`);
  if (r.lastRunAt !== undefined) assertTime(r.lastRunAt, `${field}.lastRunAt`);
  assertTime(r.updatedAt, `${field}.updatedAt`);
}

/** Throw unless `expected` is the `{ runAt, updatedAt }` a schedule fire compares with. */
export function assertFireExpectation(expected: unknown, field = 'expected'): asserts expected is { runAt: number; updatedAt: number } {
  assertObject(expected, field);
  assertTime(expected.runAt, `${field}.runAt`);
  assertTime(expected.updatedAt, `${field}.updatedAt`);
}

/** Throw unless `meta` is a plain JSON object. */
export function assertMeta(meta: unknown, field = 'meta'): asserts meta is Record<string, unknown> {
  assertObject(meta, field);
  assertJson(meta, field);
}

/** Longest `reason` of an abort request. */
export const MAX_ABORT_REASON = 1000;

/** Throw unless `r` is a usable abort request. */
export function assertAbortRequest(r: unknown, field = 'request'): asserts r is AbortRequest {
  assertObject(r, field);
  assertKnownKeys(r, ['reason', 'fail'], field);
  if (r.reason !== undefined && (typeof r.reason !== 'string' || r.reason.length > MAX_ABORT_REASON)) {
    throw new ValidationError(`${field}.reason`, `must be a string of at most ${MAX_ABORT_REASON} characters`);
  }
  if (r.fail !== undefined && typeof r.fail !== 'boolean') throw new ValidationError(`${field}.fail`, 'must be a boolean');
}

/** Throw unless `refs` is an array of well-formed lease references. */
export function assertLeaseRefs(refs: unknown, field = 'refs'): asserts refs is readonly LeaseRef[] {
  if (!Array.isArray(refs)) throw new ValidationError(field, 'must be an array');
  refs.forEach((ref, i) => assertLeaseRef(ref, `${field}[${i}]`));
}

/** Longest stored progress value, in characters of its JSON text. */
export const MAX_PROGRESS_CHARS = 4096;

/** Throw unless `value` is JSON text of a progress value within the size bound. */
export function assertProgressText(value: unknown, field = 'value'): asserts value is string {
  assertJsonText(value, field, MAX_PROGRESS_CHARS);
}

/** Longest result kept with a completed item, in characters of its JSON text (the progress bound). */
export const MAX_RESULT_CHARS = MAX_PROGRESS_CHARS;

/** Most completed items one queue may be asked to keep. */
export const MAX_KEEP_COUNT = 100_000;

/** Throw unless `o` are `ack` options: absent, or `{ keep?: { result?, count, ageMs } }` within the bounds. */
export function assertAckOptions(o: unknown, field = 'options'): asserts o is AckOptions | undefined {
  if (o === undefined) return;
  assertObject(o, field);
  assertKnownKeys(o, ['keep'], field);
  if (o.keep === undefined) return;
  const keep = o.keep;
  assertObject(keep, `${field}.keep`);
  assertKnownKeys(keep, ['result', 'count', 'ageMs'], `${field}.keep`);
  if (keep.result !== undefined) assertJsonText(keep.result, `${field}.keep.result`, MAX_RESULT_CHARS);
  assertInt(keep.count, `${field}.keep.count`, 1, MAX_KEEP_COUNT);
  assertMs(keep.ageMs, `${field}.keep.ageMs`, 1);
}

function assertJsonText(value: unknown, field: string, max: number): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new ValidationError(field, `must be JSON text of 1 to ${max} characters`);
  }
  try {
    JSON.parse(value);
  } catch {
    throw new ValidationError(field, 'must be JSON text');
  }
}

/** Highest priority accepted; 0 is the default and the lowest. */
export const MAX_PRIORITY = 9;

/** Throw unless `value` is an integer priority 0–MAX_PRIORITY. */
export function assertPriority(value: unknown, field = 'priority'): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_PRIORITY) {
    throw new ValidationError(field, `must be an integer 0–${MAX_PRIORITY}`);
  }
}

const LIFECYCLE_KINDS = new Set(['active', 'progress', 'completed', 'failed', 'retrying']);

/** Throw unless `e` is a lifecycle event: a known kind with the fields it carries, and no others. */
export function assertLifecycleEvent(e: unknown, field = 'event'): asserts e is LifecycleEvent {
  assertObject(e, field);
  assertKnownKeys(e, ['kind', 'queue', 'id', 'name', 'attempt', 'at', 'progress', 'result', 'error', 'dueAt'], field);
  if (typeof e.kind !== 'string' || !LIFECYCLE_KINDS.has(e.kind)) throw new ValidationError(`${field}.kind`, "must be 'active', 'progress', 'completed', 'failed' or 'retrying'");
  assertQueueName(e.queue, `${field}.queue`);
  assertId(e.id, `${field}.id`);
  assertEventName(e.name, `${field}.name`);
  assertInt(e.attempt, `${field}.attempt`, 1);
  assertTime(e.at, `${field}.at`);
  const only = (key: string, kinds: readonly string[]): boolean => {
    if (e[key] === undefined) return false;
    if (!kinds.includes(e.kind as string)) throw new ValidationError(`${field}.${key}`, `is not carried by a '${String(e.kind)}' event`);
    return true;
  };
  if (e.kind === 'progress' && e.progress === undefined) throw new ValidationError(`${field}.progress`, 'is required by a progress event');
  if (only('progress', ['progress'])) assertJsonText(e.progress, `${field}.progress`, MAX_PROGRESS_CHARS);
  if (only('result', ['completed'])) assertJsonText(e.result, `${field}.result`, MAX_RESULT_CHARS);
  if ((e.kind === 'failed' || e.kind === 'retrying') && e.error === undefined) throw new ValidationError(`${field}.error`, `is required by a ${e.kind} event`);
  if (only('error', ['failed', 'retrying'])) assertFailure(e.error, `${field}.error`);
  if (e.kind === 'retrying' && e.dueAt === undefined) throw new ValidationError(`${field}.dueAt`, 'is required by a retrying event');
  if (only('dueAt', ['retrying'])) assertTime(e.dueAt, `${field}.dueAt`);
}

/** Throw unless `events` is an array of lifecycle events (each as `assertLifecycleEvent` takes). */
export function assertLifecycleEvents(events: unknown, field = 'events'): asserts events is readonly LifecycleEvent[] {
  if (!Array.isArray(events)) throw new ValidationError(field, 'must be an array of lifecycle events');
  events.forEach((e, i) => assertLifecycleEvent(e, `${field}[${i}]`));
}

/** Longest job key, in characters. */
export const MAX_KEY_CHARS = 200;

/** The job key modes. */
export const KEY_MODES: readonly KeyMode[] = ['dedupe', 'debounce', 'throttle'];

/** Throw unless `value` is a job key: a string of 1…MAX_KEY_CHARS characters. */
export function assertKey(value: unknown, field = 'key'): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_CHARS) {
    throw new ValidationError(field, `must be a string of 1–${MAX_KEY_CHARS} characters`);
  }
}

/** Throw unless `value` is a key mode. */
export function assertKeyMode(value: unknown, field = 'keyMode'): asserts value is KeyMode {
  if (!KEY_MODES.includes(value as KeyMode)) throw new ValidationError(field, `must be one of ${KEY_MODES.join(', ')}`);
}

// A mode or window without a key, a key without a mode, or a window outside throttle would be silently
// meaningless: each is refused, so a typo never turns a throttle into an unthrottled write.
function assertItemKey(item: Record<string, unknown>, field: string): void {
  if (item.key === undefined) {
    if (item.keyMode !== undefined) throw new ValidationError(`${field}.keyMode`, 'needs a key');
    if (item.keyTtlMs !== undefined) throw new ValidationError(`${field}.keyTtlMs`, 'needs a key');
    return;
  }
  assertKey(item.key, `${field}.key`);
  assertKeyMode(item.keyMode, `${field}.keyMode`);
  if (item.keyMode === 'throttle') assertMs(item.keyTtlMs, `${field}.keyTtlMs`, 1);
  else if (item.keyTtlMs !== undefined) throw new ValidationError(`${field}.keyTtlMs`, "only with keyMode 'throttle'");
}

/** Throw unless `limits` is null or queue limits: a concurrency, a rate and/or a group, each within its bounds. */
export function assertQueueLimits(limits: unknown, field = 'limits'): asserts limits is QueueLimits | null {
  if (limits === null) return;
  assertObject(limits, field);
  assertKnownKeys(limits, ['concurrency', 'rate', 'group'], field);
  assertConcurrencyAndRate(limits, field);
  if (limits.group === undefined) return;
  assertObject(limits.group, `${field}.group`);
  assertKnownKeys(limits.group, ['by', 'concurrency', 'rate'], `${field}.group`);
  if (typeof limits.group.by !== 'string' || limits.group.by.length === 0 || limits.group.by.length > 200) {
    throw new ValidationError(`${field}.group.by`, "must be 'tid' or a header name (1–200 characters)");
  }
  if (limits.group.concurrency === undefined && limits.group.rate === undefined) {
    throw new ValidationError(`${field}.group`, 'needs a concurrency and/or a rate');
  }
  assertConcurrencyAndRate(limits.group, `${field}.group`);
}

function assertConcurrencyAndRate(limits: Record<string, unknown>, field: string): void {
  if (limits.concurrency !== undefined) assertInt(limits.concurrency, `${field}.concurrency`, 1, MAX_LIMIT);
  if (limits.rate === undefined) return;
  assertObject(limits.rate, `${field}.rate`);
  assertKnownKeys(limits.rate, ['max', 'per'], `${field}.rate`);
  assertInt(limits.rate.max, `${field}.rate.max`, 1, MAX_LIMIT);
  assertInt(limits.rate.per, `${field}.rate.per`, 1, MAX_RATE_WINDOW_MS);
}

/** Valid limits as a backend stores them: only the fields given, copied, `{}` for none (null included). */
export function normalQueueLimits(limits: QueueLimits | null): QueueLimits {
  const group = limits?.group;
  return {
    ...concurrencyAndRate(limits ?? {}),
    ...(group !== undefined && { group: { by: group.by, ...concurrencyAndRate(group) } }),
  };
}

function concurrencyAndRate(limits: { readonly concurrency?: number; readonly rate?: { readonly max: number; readonly per: number } }): Pick<QueueLimits, 'concurrency' | 'rate'> {
  return {
    ...(limits.concurrency !== undefined && { concurrency: limits.concurrency }),
    ...(limits.rate !== undefined && { rate: { max: limits.rate.max, per: limits.rate.per } }),
  };
}
