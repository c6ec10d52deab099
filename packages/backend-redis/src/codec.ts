import type { FailedItem, FailureInfo, KeyOutcome, Message, ScheduleRecord, WorkerInfo } from '@wrkr/core/backend';

/** Stored form of a schedule's definition; its times live in their own hash fields so scripts can compare them. */
interface ScheduleDefinition {
  rule: ScheduleRecord['rule'];
  event: ScheduleRecord['event'];
  active: boolean;
}

/**
 * Serialise a message for storage (the same string is copied into every queue it is routed to). The id
 * is left out because every structure already keys the item by it; `name` comes first because the
 * delayed-publish promoter reads it from there to route the message.
 */
export function encodeMessage(message: Message): string {
  const stored: Record<string, unknown> = { name: message.name };
  for (const [key, value] of Object.entries(message)) if (key !== 'id' && key !== 'name') stored[key] = value;
  return JSON.stringify(stored);
}

/** Read a stored message back, given the id it is stored under. */
export function decodeMessage(id: string, json: string): Message {
  return { id, ...(JSON.parse(json) as Omit<Message, 'id'>) };
}

/** Serialise error details for the failed store. */
export function encodeFailure(error: FailureInfo | undefined): string {
  return error === undefined ? '' : JSON.stringify(error);
}

/** Read a failed entry stored as `attempt|failedAt|errorJson` next to its message. */
export function decodeFailed(queue: string, id: string, json: string, info: string): FailedItem {
  const a = info.indexOf('|');
  const b = info.indexOf('|', a + 1);
  const error = info.slice(b + 1);
  return {
    queue,
    message: decodeMessage(id, json),
    attempt: Number(info.slice(0, a)),
    failedAt: Number(info.slice(a + 1, b)),
    error: error === '' ? { message: 'unknown error' } : (JSON.parse(error) as FailureInfo),
  };
}

/** Hash fields of a schedule. */
export function encodeSchedule(record: ScheduleRecord): Record<string, string> {
  const def: ScheduleDefinition = { rule: record.rule, event: record.event, active: record.active };
  const fields: Record<string, string> = { def: JSON.stringify(def), next: String(record.nextRunAt), upd: String(record.updatedAt) };
  if (record.lastRunAt !== undefined) fields.last = String(record.lastRunAt);
  return fields;
}

/** A schedule from its hash fields, or undefined when the hash is empty. */
export function decodeSchedule(name: string, fields: Record<string, string>): ScheduleRecord | undefined {
  if (fields.def === undefined) return undefined;
  const def = JSON.parse(fields.def) as ScheduleDefinition;
  return {
    name,
    rule: def.rule,
    event: def.event,
    active: def.active,
    nextRunAt: Number(fields.next),
    updatedAt: Number(fields.upd),
    ...(fields.last !== undefined ? { lastRunAt: Number(fields.last) } : {}),
  };
}

/** A worker from the `id, meta, started, hb, exp` tuple the workers script returns. */
export function decodeWorker(id: string, meta: string | null, started: string, hb: string, exp: string): WorkerInfo {
  return {
    id,
    meta: meta ? (JSON.parse(meta) as Record<string, unknown>) : {},
    startedAt: Number(started),
    heartbeatAt: Number(hb),
    expiresAt: Number(exp),
  };
}

/** Key outcomes as publish.lua/send.lua return them: (index, queue or '', outcome, id or '') flattened. */
export function keyOutcomes(flat: unknown): KeyOutcome[] {
  const list = flat as string[] | number[];
  const out: KeyOutcome[] = [];
  for (let i = 0; i + 3 < list.length; i += 4) {
    const outcome = String(list[i + 2]) as KeyOutcome['outcome'];
    const queue = String(list[i + 1]);
    const id = String(list[i + 3]);
    out.push({ index: Number(list[i]), ...(queue !== '' && { queue }), outcome, ...(id !== '' && { id }) });
  }
  return out;
}
