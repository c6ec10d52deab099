import { ValidationError } from './errors';

// Words are deliberately conservative so that names and patterns mean the same on every broker
// (AMQP routing keys, Redis keys, MongoDB fields) and never need escaping.
const WORD = /^[A-Za-z0-9_-]+$/;
const EVENT_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const QUEUE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;
const MAX_NAME = 255;

// The is* predicates below are the rules of the assert* beside them, for hot paths that check first and
// only build a field path (a string per field) to throw with when the check fails.

// The last name each accepted: a job's event and queue names are checked several times on its way (publish,
// lifecycle events), mostly the same few names, and a string comparison costs a fraction of the pattern.
let lastEventName = '';
let lastQueueName = '';

/** True for a valid event name (what assertEventName accepts). */
export function isEventName(name: unknown): name is string {
  if (typeof name !== 'string') return false;
  if (name === lastEventName) return true;
  if (name.length === 0 || name.length > MAX_NAME || !EVENT_NAME.test(name)) return false;
  lastEventName = name;
  return true;
}

/** True for a valid queue name (what assertQueueName accepts). */
export function isQueueName(queue: unknown): queue is string {
  if (typeof queue !== 'string') return false;
  if (queue === lastQueueName) return true;
  if (!QUEUE.test(queue) || queue.length > MAX_NAME) return false;
  lastQueueName = queue;
  return true;
}

/** True for a usable id (what assertId accepts): 1–200 characters, each printable ASCII other than space. */
export function isId(id: unknown): id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return false;
  // A loop, not a regular expression: ids are checked several times per job, and this is twice as fast.
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** Throw unless `name` is a valid event name (dot-separated words of `[A-Za-z0-9_-]`). */
export function assertEventName(name: unknown, field = 'name'): asserts name is string {
  if (isEventName(name)) return;
  if (typeof name !== 'string' || name.length === 0) throw new ValidationError(field, 'must be a non-empty string');
  if (name.length > MAX_NAME) throw new ValidationError(field, `must be at most ${MAX_NAME} characters`);
  throw new ValidationError(field, `${JSON.stringify(name)} is not dot-separated words of letters, digits, '_' or '-'`);
}

/** Throw unless `pattern` is a valid topic pattern (words, `*` or `#`, dot-separated). */
export function assertPattern(pattern: unknown, field = 'pattern'): asserts pattern is string {
  if (typeof pattern !== 'string' || pattern.length === 0) throw new ValidationError(field, 'must be a non-empty string');
  if (pattern.length > MAX_NAME) throw new ValidationError(field, `must be at most ${MAX_NAME} characters`);
  for (const word of pattern.split('.')) {
    if (word !== '*' && word !== '#' && !WORD.test(word)) {
      throw new ValidationError(field, `${JSON.stringify(pattern)} is not dot-separated words, '*' or '#'`);
    }
  }
}

/** Throw unless `queue` is a valid queue name (letters, digits, `_ . : -`, not starting with a separator). */
export function assertQueueName(queue: unknown, field = 'queue'): asserts queue is string {
  if (!isQueueName(queue)) {
    throw new ValidationError(field, `${typeof queue === 'string' ? JSON.stringify(queue) : `a ${typeof queue}`} is not a queue name (letters, digits, '_', '.', ':', '-'; at most ${MAX_NAME})`);
  }
}

/** Throw unless `id` is a usable id (1–200 printable characters, no whitespace). */
export function assertId(id: unknown, field = 'id'): asserts id is string {
  if (!isId(id)) {
    throw new ValidationError(field, 'must be 1–200 printable ASCII characters without spaces');
  }
}

/** Throw unless `headers` is a flat map of string to string. */
export function assertHeaders(headers: unknown, field = 'headers'): asserts headers is Record<string, string> {
  if (!isPlainObject(headers)) throw new ValidationError(field, 'must be an object of string values');
  for (const [k, v] of Object.entries(headers)) {
    if (k.length === 0) throw new ValidationError(field, 'header names must not be empty');
    if (typeof v !== 'string') throw new ValidationError(`${field}.${k}`, `must be a string, got ${typeof v}`);
  }
}

/** Deepest nesting of arrays/objects accepted in event data (the top-level value is depth 1). */
export const MAX_JSON_DEPTH = 100;

/**
 * Throw unless `value` survives a JSON round trip unchanged (no undefined, functions, NaN, Dates, cycles…)
 * and nests at most MAX_JSON_DEPTH levels: the walk is recursive, so the bound also keeps hostile input
 * (thousands of levels in a few KB) from overflowing the stack.
 */
export function assertJson(value: unknown, field = 'data'): void {
  // Runs on every published event's data: nothing is allocated for a plain value, and a field path
  // (`data.items[3].price`) is only built to throw with, from the keys on the way down.
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || Number.isFinite(value)) return;
  walkJson(value, { field, keys: [], ancestors: [] });
}

/** Where assertJson is: the keys from the top down to the value being checked, and the objects holding it. */
interface JsonWalk {
  readonly field: string;
  readonly keys: Array<string | number>;
  /** The objects on the path from the top (a cycle is one of them again); at most MAX_JSON_DEPTH. */
  readonly ancestors: object[];
}

function walkJson(v: unknown, w: JsonWalk): void {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(v)) throw new ValidationError(jsonPath(w), `${String(v)} is not valid JSON`);
      return;
    case 'object': {
      if (v === null) return;
      if (w.ancestors.includes(v)) throw new ValidationError(jsonPath(w), 'circular reference');
      if (w.ancestors.length >= MAX_JSON_DEPTH) throw new ValidationError(w.field, `nests deeper than ${MAX_JSON_DEPTH} levels`);
      w.ancestors.push(v);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) continue; // a hole, as forEach skips it
          w.keys.push(i);
          walkJson(v[i], w);
          w.keys.pop();
        }
      } else if (isPlainObject(v)) {
        for (const k in v) {
          if (!Object.hasOwn(v, k)) continue;
          w.keys.push(k);
          walkJson(v[k], w);
          w.keys.pop();
        }
      } else throw new ValidationError(jsonPath(w), `${v.constructor?.name ?? 'object'} is not plain JSON (convert it first, e.g. toISOString())`);
      w.ancestors.pop();
      return;
    }
    default:
      throw new ValidationError(jsonPath(w), `${typeof v} is not valid JSON`);
  }
}

function jsonPath(w: JsonWalk): string {
  return w.field + w.keys.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
}

/** Throw when `options` has keys outside `allowed` (typos must not be silently ignored). */
export function assertKnownKeys(options: unknown, allowed: readonly string[], field: string): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) throw new ValidationError(field, 'must be an object');
  // for…in rather than Object.keys: no array of keys made on every call (this runs per event published).
  for (const key in options) {
    if (!Object.hasOwn(options, key)) continue;
    if (!allowed.includes(key)) throw new ValidationError(`${field}.${key}`, `unknown option (allowed: ${allowed.join(', ')})`);
  }
}

/** Throw unless `value` is an integer within [min, max]. */
export function assertInt(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `must be an integer from ${min} to ${max}`);
  }
}

/** True for `{}`-style objects (prototype Object or null). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
