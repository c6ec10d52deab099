/** JSON schemas shared by the routes (plain objects, so fastify validates and @fastify/swagger documents them). */

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

/** Options of a fetch. */
export const fetchBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { visibilityTimeout: duration, wait: duration },
} as const;

/** Ack of a fetched item. */
export const ackBody = { type: 'object', required: ['queue', 'id', 'token'], additionalProperties: false, properties: leaseProperties } as const;

/** Nack of a fetched item: retry after `delay`, or `fail` to the failed store. */
export const nackBody = {
  type: 'object',
  required: ['queue', 'id', 'token'],
  additionalProperties: false,
  properties: {
    ...leaseProperties,
    delay: duration,
    fail: { type: 'boolean' },
    error: { type: 'object', required: ['message'], properties: { message: { type: 'string' }, name: { type: 'string' }, stack: { type: 'string' } } },
  },
} as const;

/** Lease extension of a fetched item. */
export const extendBody = {
  type: 'object',
  required: ['queue', 'id', 'token', 'duration'],
  additionalProperties: false,
  properties: { ...leaseProperties, duration },
} as const;
