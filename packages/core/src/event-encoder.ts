import type { Backend, KeyOutcome, Message, Outgoing } from './backend';
import type { Codec } from './codec';
import { parseDuration, parseWhen } from './duration';
import { NotSupportedError, ValidationError } from './errors';
import type { EventInput, Published } from './event';
import { assertKey, assertKeyMode, assertPriority } from './backend-input';
import { newId } from './ids';
import { assertEventName, assertHeaders, assertId, assertKnownKeys, isPlainObject } from './validation';

const EVENT_KEYS = ['name', 'tid', 'data', 'headers', 'id', 'when', 'priority', 'key', 'keyMode', 'keyTtl'];

/** Turns what a publisher gives into the messages a backend stores: every field validated, data encoded. */
export class EventEncoder {
  constructor(
    private readonly codec: Codec,
    private readonly backend: Backend,
  ) {}

  /** Validate and encode events; nothing is written when any of them is bad. */
  toOutgoing(input: EventInput | EventInput[], field = 'event'): Outgoing[] {
    const list = Array.isArray(input) ? input : [input];
    if (list.length === 0) throw new ValidationError(field, 'no events given');
    const now = Date.now();
    return list.map((e, i) => {
      const f = Array.isArray(input) ? `${field}[${i}]` : field;
      if (!isPlainObject(e)) throw new ValidationError(f, 'must be an object');
      assertKnownKeys(e, EVENT_KEYS, f);
      assertEventName(e.name, `${f}.name`);
      if (e.tid !== undefined && (typeof e.tid !== 'string' || e.tid.length === 0 || e.tid.length > 200)) {
        throw new ValidationError(`${f}.tid`, 'must be a string of 1–200 characters');
      }
      if (e.headers !== undefined) assertHeaders(e.headers, `${f}.headers`);
      if (e.id !== undefined) assertId(e.id, `${f}.id`);
      const dueAt = e.when === undefined ? undefined : parseWhen(e.when, now, `${f}.when`);
      if (dueAt !== undefined && !this.backend.capabilities.delayed) throw new NotSupportedError('delayed', this.backend.name);
      if (e.priority !== undefined) assertPriority(e.priority, `${f}.priority`);
      if (e.priority && !this.backend.capabilities.priorities) throw new NotSupportedError('priorities', this.backend.name);
      const key = this.#key(e, f);
      // Built field by field (no conditional spreads): this runs for every published event.
      const message: { -readonly [K in keyof Message]: Message[K] } = { id: e.id ?? newId(), name: e.name, publishedAt: now };
      if (e.tid !== undefined) message.tid = e.tid;
      if (e.headers !== undefined) message.headers = { ...e.headers };
      const body = this.codec.encode(e.data, message, `${f}.data`);
      if (body !== undefined) message.body = body;
      const out: { -readonly [K in keyof Outgoing]: Outgoing[K] } = { message };
      if (dueAt !== undefined && dueAt > now) out.dueAt = dueAt;
      if (e.priority) out.priority = e.priority;
      if (key !== undefined) {
        out.key = key.key;
        out.keyMode = key.keyMode;
        if (key.keyTtlMs !== undefined) out.keyTtlMs = key.keyTtlMs;
      }
      return out;
    });
  }

  #key(e: EventInput, f: string): Pick<Outgoing, 'key' | 'keyMode' | 'keyTtlMs'> | undefined {
    if (e.key === undefined) {
      if (e.keyMode !== undefined) throw new ValidationError(`${f}.keyMode`, 'needs a key');
      if (e.keyTtl !== undefined) throw new ValidationError(`${f}.keyTtl`, 'needs a key');
      return undefined;
    }
    assertKey(e.key, `${f}.key`);
    const keyMode = e.keyMode ?? 'dedupe';
    assertKeyMode(keyMode, `${f}.keyMode`);
    if (!this.backend.capabilities.jobKeys) throw new NotSupportedError('jobKeys', this.backend.name);
    if (keyMode !== 'throttle') {
      if (e.keyTtl !== undefined) throw new ValidationError(`${f}.keyTtl`, "only with keyMode 'throttle'");
      return { key: e.key, keyMode };
    }
    if (e.keyTtl === undefined) throw new ValidationError(`${f}.keyTtl`, "is required with keyMode 'throttle'");
    const keyTtlMs = parseDuration(e.keyTtl, `${f}.keyTtl`);
    if (keyTtlMs < 1) throw new ValidationError(`${f}.keyTtl`, 'must be at least 1 ms');
    return { key: e.key, keyMode, keyTtlMs };
  }
}

/** What publishing encoded items resolves with: each one's id, when it becomes due, and what its key did. */
export function published(items: readonly Outgoing[], outcomes: readonly KeyOutcome[]): Published[] {
  const byIndex = new Map<number, Array<Omit<KeyOutcome, 'index'>>>();
  for (const { index, ...rest } of outcomes) {
    const list = byIndex.get(index);
    if (list) list.push(rest);
    else byIndex.set(index, [rest]);
  }
  return items.map((o, i) => {
    const base = { id: o.message.id, dueAt: o.dueAt ?? o.message.publishedAt };
    if (o.key === undefined) return base;
    const keyed = byIndex.get(i) ?? [];
    const dropped = keyed.length > 0 && keyed.every((k) => k.outcome === 'deduped' || k.outcome === 'throttled');
    return { ...base, keyed, dropped };
  });
}
