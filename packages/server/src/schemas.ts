/** JSON schemas of the routes' requests and answers (plain objects, so fastify validates and @fastify/swagger documents them). */

const duration = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', minLength: 1 }], description: "ms, or a string like '90 minutes' or '5m'" } as const;

/** An event to publish or send. */
export const eventBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, description: 'dot-separated event name' },
    tid: { type: 'string' },
    data: { description: 'any JSON value' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    id: { type: 'string', minLength: 1 },
    when: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', minLength: 1 }], description: 'delay or ISO time' },
    priority: { type: 'integer', minimum: 0, maximum: 9, description: 'higher is taken first (default 0)' },
    key: { type: 'string', minLength: 1, maxLength: 200, description: 'job key: dedupes, debounces or throttles events sharing it (per queue; per pending publish when delayed)' },
    keyMode: { type: 'string', enum: ['dedupe', 'debounce', 'throttle'], description: "how key acts (default 'dedupe'; needs key)" },
    keyTtl: { ...duration, description: "throttle window (required with keyMode 'throttle', refused otherwise): ms, or a string like '1 minute'" },
  },
} as const;

/** Path parameter `queue`. */
export const queueParams = { type: 'object', required: ['queue'], properties: { queue: { type: 'string', minLength: 1 } } } as const;

/** Path parameter `name`. */
export const nameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } } as const;

/** Optional list of failed item ids (all when absent). */
export const idsBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { ids: { type: 'array', items: { type: 'string', minLength: 1 } } },
} as const;

/** Paging of lists. */
export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, offset: { type: 'integer', minimum: 0 } },
} as const;

/** A schedule to create or replace. */
export const scheduleBody = {
  type: 'object',
  required: ['event'],
  additionalProperties: false,
  properties: {
    every: duration,
    cron: { type: 'string', minLength: 1 },
    tz: { type: 'string', minLength: 1 },
    active: { type: 'boolean' },
    event: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string', minLength: 1 }, tid: { type: 'string' }, data: {}, headers: eventBody.properties.headers },
    },
  },
} as const;

/** What the pull API hands out and takes back: the lease of one item. */
const leaseProperties = {
  queue: { type: 'string', minLength: 1 },
  id: { type: 'string', minLength: 1 },
  token: { type: 'string', minLength: 1 },
} as const;

/** An external worker's id, as sticky pull takes it (wrkr's id rule). */
const worker = {
  type: 'string',
  pattern: '^[\\x21-\\x7e]{1,200}$',
  description: 'Id of the external worker (1–200 printable ASCII characters, no spaces)',
} as const;

/** Options of a fetch. */
export const fetchBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    visibilityTimeout: duration,
    wait: duration,
    worker: { ...worker, description: 'Sticky pull: while this worker holds an unacked, unexpired item of the queue, that item comes back (new token, lease from now, attempt + 1)' },
  },
} as const;

/** Ack of the item a worker holds (sticky pull). */
export const ackByWorkerBody = { type: 'object', required: ['worker'], additionalProperties: false, properties: { worker } } as const;

/** Ack of a fetched item. */
export const ackBody = {
  type: 'object',
  required: ['queue', 'id', 'token'],
  additionalProperties: false,
  properties: {
    ...leaseProperties,
    result: { description: 'any JSON value (at most 4096 characters of JSON), kept with the completed item; only with keepCompleted' },
    keepCompleted: {
      type: 'object',
      required: ['count', 'age'],
      additionalProperties: false,
      description: 'keep the item as completed (listed by state=completed) instead of deleting it: at most `count` per queue, none older than `age`',
      properties: { count: { type: 'integer', minimum: 1, maximum: 100000 }, age: duration },
    },
  },
} as const;

/** What a nack says beside the lease: retry after `delay`, or `fail` to the failed store, with the error. */
const nackProperties = {
  delay: duration,
  fail: { type: 'boolean' },
  error: { type: 'object', required: ['message'], properties: { message: { type: 'string' }, name: { type: 'string' }, stack: { type: 'string' } } },
} as const;

/** Nack of a fetched item: retry after `delay`, or `fail` to the failed store. */
export const nackBody = {
  type: 'object',
  required: ['queue', 'id', 'token'],
  additionalProperties: false,
  properties: { ...leaseProperties, ...nackProperties },
} as const;

/** Nack of the item a worker holds (sticky pull). */
export const nackByWorkerBody = { type: 'object', required: ['worker'], additionalProperties: false, properties: { worker, ...nackProperties } } as const;

/** Lease extension of a fetched item. */
export const extendBody = {
  type: 'object',
  required: ['queue', 'id', 'token', 'duration'],
  additionalProperties: false,
  properties: { ...leaseProperties, duration },
} as const;

const headers = { type: 'object', additionalProperties: { type: 'string' }, description: 'string map' } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;

/** Answer of publish, send and trigger. */
export const publishedReply = {
  type: 'object',
  required: ['id', 'dueAt'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    dueAt: { type: 'integer', description: 'epoch ms when it becomes due' },
    keyed: {
      type: 'array',
      description: 'with a key: what it did in each scope reached (a queue; no queue for a delayed publish)',
      items: {
        type: 'object',
        required: ['outcome'],
        additionalProperties: false,
        properties: {
          queue: { type: 'string' },
          outcome: { type: 'string', enum: ['added', 'replaced', 'deduped', 'throttled'] },
          id: { type: 'string', description: 'replaced: the id removed; deduped: the pending holder' },
        },
      },
    },
    dropped: { type: 'boolean', description: 'with a key: true when every scope reached dropped it (it will not be delivered)' },
  },
} as const;

const limitCount = { type: 'integer', minimum: 1, maximum: 1_000_000 } as const;

const rateReply = { type: 'object', required: ['max', 'per'], additionalProperties: false, properties: { max: limitCount, per: { type: 'integer', minimum: 1 } } } as const;

/** A queue's stored limits (`rate.per` in ms; `{}` when none). */
const storedLimits = {
  type: 'object',
  additionalProperties: false,
  properties: {
    concurrency: limitCount,
    rate: rateReply,
    group: {
      type: 'object',
      required: ['by'],
      additionalProperties: false,
      properties: { by: { type: 'string' }, concurrency: limitCount, rate: rateReply },
    },
  },
} as const;

const statsProperties = {
  ready: { type: 'integer' },
  delayed: { type: 'integer' },
  inFlight: { type: 'integer' },
  failed: { type: 'integer' },
  paused: { type: 'boolean', description: 'true while the queue is paused; absent otherwise' },
  limits: { ...storedLimits, description: 'the limits every process honours for the queue (setQueueLimits); absent when none' },
} as const;

/** Exact counts of one queue. */
export const statsReply = { type: 'object', required: ['ready', 'delayed', 'inFlight', 'failed'], additionalProperties: false, properties: statsProperties } as const;

/** Durable lifecycle counters of a queue. */
export const countersReply = {
  type: 'object',
  required: ['completed', 'failed', 'retried'],
  additionalProperties: false,
  properties: {
    completed: { type: 'integer', minimum: 0, description: 'Jobs completed (handler succeeded, item acked)' },
    failed: { type: 'integer', minimum: 0, description: 'Jobs moved to the failed store after their last attempt' },
    retried: { type: 'integer', minimum: 0, description: 'Failed attempts scheduled for a retry' },
    since: { type: 'integer', minimum: 0, description: 'Epoch ms of the first count; absent while all are 0' },
  },
} as const;

/** Every queue with its counts and patterns. */
export const queuesReply = {
  type: 'array',
  items: {
    type: 'object',
    required: ['queue', 'ready', 'delayed', 'inFlight', 'failed', 'patterns'],
    additionalProperties: false,
    properties: { queue: { type: 'string' }, ...statsProperties, patterns: { type: 'array', items: { type: 'string' } } },
  },
} as const;

/** Failed items of a queue. */
export const failedReply = {
  type: 'array',
  items: {
    type: 'object',
    required: ['queue', 'id', 'name', 'attempt', 'error', 'failedAt'],
    additionalProperties: false,
    properties: {
      queue: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      tid: { type: 'string' },
      data: { description: 'any JSON value' },
      attempt: { type: 'integer' },
      error: {
        type: 'object',
        required: ['message'],
        additionalProperties: false,
        properties: { message: { type: 'string' }, name: { type: 'string' }, stack: { type: 'string' }, code: { type: 'string' } },
      },
      failedAt: isoTime,
    },
  },
} as const;

/** How many failed items were replayed or purged. */
export const countReply = { type: 'object', required: ['count'], additionalProperties: false, properties: { count: { type: 'integer' } } } as const;

/** One schedule. */
export const scheduleReply = {
  type: 'object',
  required: ['name', 'rule', 'event', 'active', 'nextRunAt'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    rule: {
      type: 'object',
      additionalProperties: false,
      properties: { every: { type: 'integer', description: 'ms' }, cron: { type: 'string' }, tz: { type: 'string' } },
      description: '{ every } or { cron, tz? }',
    },
    event: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string' }, tid: { type: 'string' }, data: { description: 'any JSON value' }, headers },
    },
    active: { type: 'boolean' },
    nextRunAt: isoTime,
    lastRunAt: isoTime,
  },
} as const;

/** Every schedule. */
export const schedulesReply = { type: 'array', items: scheduleReply } as const;

/** A removed schedule. */
export const removedReply = {
  type: 'object',
  required: ['name', 'removed'],
  additionalProperties: false,
  properties: { name: { type: 'string' }, removed: { type: 'boolean', enum: [true] } },
} as const;

/** Live workers. */
export const workersReply = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'meta', 'startedAt', 'heartbeatAt', 'expiresAt', 'heartbeatAgeMs'],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      meta: { type: 'object', additionalProperties: true, description: 'free-form details (host, pid, queues, version)' },
      startedAt: { type: 'integer', description: 'epoch ms' },
      heartbeatAt: { type: 'integer', description: 'epoch ms' },
      expiresAt: { type: 'integer', description: 'epoch ms' },
      heartbeatAgeMs: { type: 'integer' },
    },
  },
} as const;

/** A fetched item, or null when none arrived within `wait`. */
export const fetchReply = {
  type: 'object',
  required: ['item'],
  additionalProperties: false,
  properties: {
    item: {
      type: ['object', 'null'],
      required: ['queue', 'id', 'token', 'attempt', 'leaseUntil', 'event'],
      additionalProperties: false,
      properties: {
        ...leaseProperties,
        attempt: { type: 'integer', minimum: 1 },
        leaseUntil: isoTime,
        event: {
          type: 'object',
          required: ['id', 'name', 'publishedAt'],
          additionalProperties: false,
          properties: { id: { type: 'string' }, name: { type: 'string' }, tid: { type: 'string' }, data: { description: 'any JSON value' }, headers, publishedAt: isoTime },
        },
      },
    },
  },
} as const;

/** Answer of ack and nack. */
export const okReply = { type: 'object', required: ['ok'], additionalProperties: false, properties: { ok: { type: 'boolean', enum: [true] } } } as const;

/** Answer of pause and resume: the queue's pause state now. */
export const pausedReply = {
  type: 'object',
  required: ['queue', 'paused'],
  additionalProperties: false,
  properties: { queue: { type: 'string' }, paused: { type: 'boolean' } },
} as const;

/** A rate in a PUT limits body: `per` a duration. */
const rateBody = (description: string) =>
  ({
    type: 'object',
    required: ['max', 'per'],
    additionalProperties: false,
    description,
    properties: { max: limitCount, per: { ...duration, description: "window: ms (at most a day), or a string like '1 minute'" } },
  }) as const;

/** Body of PUT limits: the queue's new limits; `{}` or null removes them. */
export const queueLimitsBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    concurrency: { ...limitCount, description: 'at most this many items of the queue in flight at once, across every process' },
    rate: rateBody('at most `max` starts in any window of `per` (sliding), across every process'),
    group: {
      type: 'object',
      required: ['by'],
      additionalProperties: false,
      description: "fair groups: items grouped by `tid` or a header (none: group ''), each group held to its own concurrency and/or rate, groups served in turn",
      properties: {
        by: { type: 'string', minLength: 1, maxLength: 200, description: "'tid', or the name of the header whose value is the group" },
        concurrency: { ...limitCount, description: 'at most this many items of one group in flight at once, across every process' },
        rate: rateBody('at most `max` starts of one group in any window of `per` (sliding), across every process'),
      },
    },
  },
} as const;


/** Answer of GET and PUT limits: the queue's stored limits (`rate.per` in ms; `{}` when none). */
export const queueLimitsReply = {
  type: 'object',
  required: ['queue', 'limits'],
  additionalProperties: false,
  properties: {
    queue: { type: 'string' },
    limits: storedLimits,
  },
} as const;

/** Path parameters of one job of a queue. */
export const jobParams = {
  type: 'object',
  required: ['queue', 'id'],
  properties: { queue: { type: 'string', minLength: 1 }, id: { type: 'string', minLength: 1 } },
} as const;

/** Body of an abort (optional). */
export const abortBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    reason: { type: 'string', maxLength: 1000, description: 'why, for the handler error and the logs' },
    fail: { type: 'boolean', description: 'send the item to the failed store instead of retrying it' },
  },
} as const;

/** Answer of an abort. */
export const abortReply = {
  type: 'object',
  required: ['aborted'],
  additionalProperties: false,
  properties: { aborted: { type: 'boolean', description: 'false when the job was not in flight' } },
} as const;

/** Answer of extend. */
export const extendReply = { type: 'object', required: ['leaseUntil'], additionalProperties: false, properties: { leaseUntil: isoTime } } as const;

/** One job of a queue, whatever its state. */
export const jobReply = {
  type: 'object',
  required: ['queue', 'id', 'state', 'name', 'attempt', 'createdAt'],
  additionalProperties: false,
  properties: {
    queue: { type: 'string' },
    id: { type: 'string' },
    state: { type: 'string', enum: ['ready', 'delayed', 'inFlight', 'failed', 'completed'] },
    name: { type: 'string' },
    tid: { type: 'string' },
    data: { description: 'any JSON value; absent when the event has none or it cannot be decoded' },
    headers,
    attempt: { type: 'integer' },
    dueAt: isoTime,
    leaseUntil: isoTime,
    error: failedReply.items.properties.error,
    createdAt: isoTime,
    updatedAt: isoTime,
    priority: { type: 'integer', minimum: 1, description: 'pending or failed: its priority (higher is taken first); absent for the default 0' },
    progress: { description: 'in flight: the last value the handler stored with ctx.progress() (any JSON value)' },
    result: { description: 'completed: the result kept with it (any JSON value), when its subscription or ack kept one' },
  },
} as const;

/** Query of a per-state job listing. */
export const jobsQuery = {
  type: 'object',
  required: ['state'],
  additionalProperties: false,
  properties: { state: { type: 'string', enum: ['ready', 'delayed', 'inFlight', 'failed', 'completed'] }, ...pageQuery.properties },
} as const;

/** A page of jobs of one state. */
export const jobsReply = { type: 'array', items: jobReply } as const;

/** Path parameter `id`. */
export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1 } } } as const;

/** A page of delayed publishes not yet routed. */
export const pendingReply = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'name', 'dueAt'],
    additionalProperties: false,
    properties: { id: { type: 'string' }, name: { type: 'string' }, tid: { type: 'string' }, dueAt: isoTime },
  },
} as const;

/** Answer of a cancel. */
export const cancelledReply = {
  type: 'object',
  required: ['id', 'cancelled'],
  additionalProperties: false,
  properties: { id: { type: 'string' }, cancelled: { type: 'boolean', enum: [true] } },
} as const;
