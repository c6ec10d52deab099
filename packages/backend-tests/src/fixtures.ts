import { randomBytes } from 'node:crypto';
import type { Message, ScheduleRecord } from '@wrkr/core/backend';

let counter = 0;

/** A unique message id (sortable within this process, unique across processes). */
export function uniqueId(prefix = 'm'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter.toString(36).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
}

/** A message with a fresh id; `extra` overrides or adds fields. */
export function message(name: string, extra: Partial<Message> = {}): Message {
  return { id: uniqueId(), name, publishedAt: Date.now(), ...extra };
}

/** `count` messages named `name`, each with a body recording its index. */
export function messages(name: string, count: number, extra: Partial<Message> = {}): Message[] {
  return Array.from({ length: count }, (_, i) => message(name, { body: JSON.stringify({ i }), ...extra }));
}

/** A schedule record every `every` ms, first due at `nextRunAt`. */
export function scheduleRecord(name: string, eventName: string, nextRunAt: number, extra: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    name,
    rule: { every: 60_000 },
    event: { name: eventName, body: JSON.stringify({ schedule: name }) },
    active: true,
    nextRunAt,
    updatedAt: Date.now(),
    ...extra,
  };
}

/** Split `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
