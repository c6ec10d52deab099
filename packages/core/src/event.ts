import type { KeyMode, KeyOutcome } from './contract';
import type { Duration, When } from './duration';

/** Any JSON value: what `data` may hold (it must survive JSON round-trip unchanged). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** String headers of an event. */
export type Headers = Record<string, string>;

/** What a publisher gives: an event, optionally delayed with `when`. */
export interface EventInput<T = unknown> {
  /** Dot-separated name, e.g. `ourapp.user.added`. */
  name: string;
  /** Id of the thing the event is about. */
  tid?: string;
  /** Any JSON value. */
  data?: T;
  /** String headers (correlation, trace context, `owner` for per-owner encryption keys). */
  headers?: Headers;
  /** Own id (unique; a pending item with the same id is not added twice). Generated (ULID) otherwise. */
  id?: string;
  /** Deliver not before: a delay (`'7 days'`, ms) or a `Date`/ISO time. */
  when?: When;
  /** 0–9 (default 0): a higher priority is taken first; FIFO by due time within one priority. */
  priority?: number;
  /**
   * A job key (1–200 characters): with `keyMode` it dedupes, debounces or throttles the events sharing it,
   * per queue (a send, or each queue a publish reaches), or among the pending delayed publishes for a
   * publish with `when`. See the README's "Job keys".
   */
  key?: string;
  /** How `key` acts: `'dedupe'` (default), `'debounce'` or `'throttle'`. */
  keyMode?: KeyMode;
  /** `throttle` only (and required with it): the window, e.g. `'1 minute'` or ms (≥ 1 ms). */
  keyTtl?: Duration;
}

/** An event as handlers and pull consumers see it. */
export interface WrkrEvent<T = unknown> {
  /** Unique, sortable id. */
  readonly id: string;
  /** Dot-separated name. */
  readonly name: string;
  /** Id of the thing the event is about. */
  readonly tid?: string;
  /** The data, decoded (and decrypted). */
  readonly data?: T;
  /** String headers. */
  readonly headers: Readonly<Headers>;
  /** When it was published. */
  readonly publishedAt: Date;
}

/** What publish/send resolve with for each event. */
export interface Published {
  /** The event's id (use it to cancel a delayed event). */
  readonly id: string;
  /** Epoch ms when it becomes due. */
  readonly dueAt: number;
  /** With a `key`: what it did in each scope the event reached (its queues, or the pending delayed publishes). */
  readonly keyed?: ReadonlyArray<Omit<KeyOutcome, 'index'>>;
  /** With a `key`: true when every scope reached dropped the event (deduped or throttled): it will not be delivered. */
  readonly dropped?: boolean;
}
