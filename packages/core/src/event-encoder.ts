import type { Backend, Message, Outgoing } from './backend';
import type { Codec } from './codec';
import { parseWhen } from './duration';
import { NotSupportedError, ValidationError } from './errors';
import type { EventInput, Published } from './event';
import { assertPriority } from './backend-input';
import { newId } from './ids';
import { assertEventName, assertHeaders, assertId, assertKnownKeys, isPlainObject } from './validation';

const EVENT_KEYS = ['name', 'tid', 'data', 'headers', 'id', 'when', 'priority'];

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
      // Built field by field (no conditional spreads): this runs for every published event.
      const message: { -readonly [K in keyof Message]: Message[K] } = { id: e.id ?? newId(), name: e.name, publishedAt: now };
      if (e.tid !== undefined) message.tid = e.tid;
      if (e.headers !== undefined) message.headers = { ...e.headers };
      const body = this.codec.encode(e.data, message, `${f}.data`);
      if (body !== undefined) message.body = body;
      const out: { -readonly [K in keyof Outgoing]: Outgoing[K] } = { message };
      if (dueAt !== undefined && dueAt > now) out.dueAt = dueAt;
      if (e.priority) out.priority = e.priority;
      return out;
    });
  }
}

/** What publishing an encoded item resolves with: its id and when it becomes due. */
export function published(o: Outgoing): Published {
  return { id: o.message.id, dueAt: o.dueAt ?? o.message.publishedAt };
}
