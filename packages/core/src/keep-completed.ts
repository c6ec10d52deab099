import { MAX_KEEP_COUNT, MAX_RESULT_CHARS } from './backend-input';
import type { KeepCompleted } from './contract';
import { parseDuration, type Duration } from './duration';
import { ValidationError } from './errors';
import { assertInt, assertKnownKeys, isPlainObject } from './validation';

/** `keepCompleted` of `subscribe`/`respond` and of the pull API's `ack`: how many completed items a queue keeps, and for how long. */
export interface KeepCompletedOptions {
  /** Most completed items the queue keeps, newest first (1…100,000). */
  count: number;
  /** How long each is kept, e.g. `'1h'` or ms. */
  age: Duration;
}

/** The retention of a `keepCompleted` option, checked: `{ count, ageMs }`. */
export function parseKeepCompleted(value: unknown, field: string): Omit<KeepCompleted, 'result'> {
  if (!isPlainObject(value)) throw new ValidationError(field, 'must be { count, age }');
  assertKnownKeys(value, ['count', 'age'], field);
  assertInt(value.count, `${field}.count`, 1, MAX_KEEP_COUNT);
  const ageMs = Math.ceil(parseDuration(value.age, `${field}.age`));
  if (ageMs < 1) throw new ValidationError(`${field}.age`, 'must be at least 1 ms');
  return { count: value.count, ageMs };
}

/**
 * A handler's result as the JSON text kept with its completed item: undefined when it returned nothing.
 * Throws ValidationError when it is not JSON or longer than MAX_RESULT_CHARS characters.
 */
export function resultText(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) throw new ValidationError(field, 'must be a JSON value');
  if (text.length > MAX_RESULT_CHARS) throw new ValidationError(field, `is ${text.length} characters of JSON; at most ${MAX_RESULT_CHARS}`);
  return text;
}
