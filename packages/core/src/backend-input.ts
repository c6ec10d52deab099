import { ValidationError } from './errors';
import { MAX_JOBS_PAGE, type AbortRequest, type AckOptions, type ClaimOptions, type FailureInfo, type JobListOptions, type LeaseRef, type LifecycleEvent, type ListOptions, type Message, type NackOutcome, type Outgoing, type ScheduleRecord, type KeyMode, type QueueLimits, MAX_LIMIT, MAX_RATE_WINDOW_MS } from './contract';
import { assertEventName, assertHeaders, assertId, assertInt, assertJson, assertKnownKeys, assertQueueName, isEventName, isId, isPlainObject, isQueueName } from './validation';

// Checks of Backend method arguments, called by BaseBackend before any backend code runs: a backend is a
// public API of its own (tools and tests call it without Wrkr), so a bad call is refused with a
// ValidationError before anything is written. One copy, so every backend refuses the same things.

/** Most deliveries one claim may ask for (core's largest concurrency); bounds a backend's work per call. */
export const MAX_CLAIM = 10_000;

/** Throw unless `value` is an epoch-ms instant (a whole, non-negative number: what Date.now() gives). */
export function assertTime(value: unknown, field: string): asserts value is number {
  if (!isTime(value)) throw new ValidationError(field, 'must be a whole number of epoch ms');
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Throw unless `value` is a whole number of milliseconds, at least `min`. */
export function assertMs(value: unknown, field: string, min: number): asserts value is number {
  if (!isMs(value, min)) throw new ValidationError(field, `must be a whole number of ms, at least ${min}`);
}

function isMs(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

function isInt(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function assertObject(value: unknown, field: string): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) throw new ValidationError(field, 'must be an object');
}

function assertOptionalString(value: unknown, field: string): void {
  if (value !== undefined && typeof value !== 'string') throw new ValidationError(field, 'must be a string');
}

function assertTid(value: unknown, field: string): void {
  if (value !== undefined && !isTid(value)) throw new ValidationError(field, 'must be a string of 1–200 characters');
}

function isTid(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= 200;
}

/** Throw unless `m` is a well-formed message. */
export function assertMessage(m: unknown, field: string): asserts m is Message {
  assertObject(m, field);
  // Each field path is built only to throw with: this runs for every item written.
  if (!isId(m.id)) assertId(m.id, `${field}.id`);
  if (!isEventName(m.name)) assertEventName(m.name, `${field}.name`);
  if (m.tid !== undefined) assertTid(m.tid, `${field}.tid`);
  if (m.headers !== undefined) assertHeaders(m.headers, `${field}.headers`);
  if (m.body !== undefined && typeof m.body !== 'string') assertOptionalString(m.body, `${field}.body`);
  if (!isTime(m.publishedAt)) assertTime(m.publishedAt, `${field}.publishedAt`);
}

/** True for a well-formed message without headers (what assertMessage accepts, short of the headers' check). */
function isPlainMessage(m: unknown): boolean {
  return (
    isPlainObject(m) &&
    isId(m.id) &&
    isEventName(m.name) &&
    (m.tid === undefined || isTid(m.tid)) &&
    m.headers === undefined &&
    (m.body === undefined || typeof m.body === 'string') &&
    isTime(m.publishedAt)
  );
}

/** Throw unless `items` is an array of well-formed outgoing messages. */
export function assertOutgoing(items: unknown, field = 'items'): asserts items is readonly Outgoing[] {
  if (!Array.isArray(items)) throw new ValidationError(field, 'must be an array');
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    // The common item (a plain message, nothing else) passes without building its field paths.
    if (isPlainObject(item) && item.dueAt === undefined && item.priority === undefined && item.key === undefined && item.keyMode === undefined && item.keyTtlMs === undefined && isPlainMessage(item.message)) continue;
    const f = `${field}[${i}]`;
    assertObject(item, f);
    assertMessage(item.message, `${f}.message`);
    if (item.dueAt !== undefined) assertTime(item.dueAt, `${f}.dueAt`);
    if (item.priority !== undefined) assertPriority(item.priority, `${f}.priority`);
    assertItemKey(item, f);
  }
}

/** Throw unless `ref` addresses a lease. */
export function assertLeaseRef(ref: unknown, field = 'ref'): asserts ref is LeaseRef {
  assertObject(ref, field);
  // Field paths are built only to throw with: this runs for every ack.
  if (!isQueueName(ref.queue)) assertQueueName(ref.queue, `${field}.queue`);
  if (!isId(ref.id)) assertId(ref.id, `${field}.id`);
  if (typeof ref.token !== 'string' || ref.token.length === 0) throw new ValidationError(`${field}.token`, 'must be a non-empty string');
}

/** Throw unless `o` are usable claim options. */
export function assertClaimOptions(o: unknown, field = 'options'): asserts o is ClaimOptions {
  assertObject(o, field);
  // Field paths are built only to throw with: a consumer claims after every batch of jobs.
  if (!isInt(o.max, 1, MAX_CLAIM)) assertInt(o.max, `${field}.max`, 1, MAX_CLAIM);
  if (!isMs(o.leaseMs, 1)) assertMs(o.leaseMs, `${field}.leaseMs`, 1);
  if (!isMs(o.waitMs, 0)) assertMs(o.waitMs, `${field}.waitMs`, 0);
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
  checkLifecycleEvent(e, field, undefined);
}

/** Throw unless `events` is an array of lifecycle events (each as `assertLifecycleEvent` takes). */
export function assertLifecycleEvents(events: unknown, field = 'events'): asserts events is readonly LifecycleEvent[] {
  if (!Array.isArray(events)) throw new ValidationError(field, 'must be an array of lifecycle events');
  for (let i = 0; i < events.length; i++) checkLifecycleEvent(events[i], field, i);
}

const LIFECYCLE_KEYS = ['kind', 'queue', 'id', 'name', 'attempt', 'at', 'progress', 'result', 'error', 'dueAt'];

// Two lifecycle events go out per job: the event's path (`events[3].queue`) is only built to throw with.
function checkLifecycleEvent(e: unknown, base: string, index: number | undefined): void {
  if (!isPlainObject(e)) throw new ValidationError(pathOf(base, index), 'must be an object');
  for (const key in e) {
    if (Object.hasOwn(e, key) && !LIFECYCLE_KEYS.includes(key)) assertKnownKeys(e, LIFECYCLE_KEYS, pathOf(base, index));
  }
  if (typeof e.kind !== 'string' || !LIFECYCLE_KINDS.has(e.kind)) throw new ValidationError(`${pathOf(base, index)}.kind`, "must be 'active', 'progress', 'completed', 'failed' or 'retrying'");
  if (!isQueueName(e.queue)) assertQueueName(e.queue, `${pathOf(base, index)}.queue`);
  if (!isId(e.id)) assertId(e.id, `${pathOf(base, index)}.id`);
  if (!isEventName(e.name)) assertEventName(e.name, `${pathOf(base, index)}.name`);
  if (!isInt(e.attempt, 1)) assertInt(e.attempt, `${pathOf(base, index)}.attempt`, 1);
  if (!isTime(e.at)) assertTime(e.at, `${pathOf(base, index)}.at`);
  if (e.kind === 'progress' && e.progress === undefined) throw new ValidationError(`${pathOf(base, index)}.progress`, 'is required by a progress event');
  if (carried(e, 'progress', ONLY_PROGRESS, base, index)) assertJsonText(e.progress, `${pathOf(base, index)}.progress`, MAX_PROGRESS_CHARS);
  if (carried(e, 'result', ONLY_COMPLETED, base, index)) assertJsonText(e.result, `${pathOf(base, index)}.result`, MAX_RESULT_CHARS);
  if ((e.kind === 'failed' || e.kind === 'retrying') && e.error === undefined) throw new ValidationError(`${pathOf(base, index)}.error`, `is required by a ${e.kind} event`);
  if (carried(e, 'error', ONLY_FAILURES, base, index)) assertFailure(e.error, `${pathOf(base, index)}.error`);
  if (e.kind === 'retrying' && e.dueAt === undefined) throw new ValidationError(`${pathOf(base, index)}.dueAt`, 'is required by a retrying event');
  if (carried(e, 'dueAt', ONLY_RETRYING, base, index)) assertTime(e.dueAt, `${pathOf(base, index)}.dueAt`);
}

const ONLY_PROGRESS = ['progress'];
const ONLY_COMPLETED = ['completed'];
const ONLY_FAILURES = ['failed', 'retrying'];
const ONLY_RETRYING = ['retrying'];

/** True when `e` has `key`; throws when its kind does not carry it. */
function carried(e: Record<string, unknown>, key: string, kinds: readonly string[], base: string, index: number | undefined): boolean {
  if (e[key] === undefined) return false;
  if (!kinds.includes(e.kind as string)) throw new ValidationError(`${pathOf(base, index)}.${key}`, `is not carried by a '${String(e.kind)}' event`);
  return true;
}

/** `base`, or `base[index]` for an element of a list. */
function pathOf(base: string, index: number | undefined): string {
  return index === undefined ? base : `${base}[${index}]`;
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
