import type { FailureInfo, Message, ScheduleRecord, WorkerInfo } from '@wrkr/core/backend';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// Everything crosses the store boundary as a copy: the store keeps its own copies of what callers give
// and hands out fresh objects, so no caller can change stored data by mutating an argument or a result.

/** A fresh copy of a message with only the contract's fields. */
export function copyMessage(m: Message): Message {
  const out: Mutable<Message> = { id: m.id, name: m.name, publishedAt: m.publishedAt };
  if (m.tid !== undefined) out.tid = m.tid;
  if (m.headers !== undefined) out.headers = { ...m.headers };
  if (m.body !== undefined) out.body = m.body;
  return out;
}

/** A fresh copy of failure details with only the contract's fields. */
export function copyFailure(e: FailureInfo): FailureInfo {
  const out: Mutable<FailureInfo> = { message: e.message };
  if (e.name !== undefined) out.name = e.name;
  if (e.stack !== undefined) out.stack = e.stack;
  if (e.code !== undefined) out.code = e.code;
  return out;
}

/** A fresh deep copy of a schedule record with only the contract's fields. */
export function copySchedule(r: ScheduleRecord): ScheduleRecord {
  const event: Mutable<ScheduleRecord['event']> = { name: r.event.name };
  if (r.event.tid !== undefined) event.tid = r.event.tid;
  if (r.event.headers !== undefined) event.headers = { ...r.event.headers };
  if (r.event.body !== undefined) event.body = r.event.body;
  const rule: ScheduleRecord['rule'] =
    'every' in r.rule ? { every: r.rule.every } : r.rule.tz !== undefined ? { cron: r.rule.cron, tz: r.rule.tz } : { cron: r.rule.cron };
  const out: Mutable<ScheduleRecord> = { name: r.name, rule, event, active: r.active, nextRunAt: r.nextRunAt, updatedAt: r.updatedAt };
  if (r.lastRunAt !== undefined) out.lastRunAt = r.lastRunAt;
  return out;
}

/** A fresh deep copy of a worker record. */
export function copyWorker(w: WorkerInfo): WorkerInfo {
  return { id: w.id, meta: structuredClone(w.meta), startedAt: w.startedAt, heartbeatAt: w.heartbeatAt, expiresAt: w.expiresAt };
}
