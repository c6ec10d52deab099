import type { FailureInfo, JobRecord, JobState, PendingPublish } from '@wrkr/core/backend';
import { decodeFailed, decodeMessage } from './codec';

/** A job record from the reply of `job.lua`, or undefined when the reply is empty. */
export function decodeJob(queue: string, id: string, reply: string[]): JobRecord | undefined {
  const [state, json, third, at, err, result, pri] = reply;
  if (state === undefined || json === undefined || third === undefined) return undefined;
  const priority = pri === undefined || pri === '' || pri === '0' ? {} : { priority: Number(pri) };
  if (state === 'failed') {
    const f = decodeFailed(queue, id, json, third);
    return { queue, message: f.message, state: 'failed', attempt: f.attempt, error: f.error, updatedAt: f.failedAt, ...priority };
  }
  if (state === 'completed') {
    return { queue, message: decodeMessage(id, json), state: 'completed', attempt: Number(third), updatedAt: Number(at), ...(result !== undefined && result !== '' && { result }) };
  }
  const record: JobRecord = { queue, message: decodeMessage(id, json), state: state as JobState, attempt: Number(third) };
  const time = at === undefined || at === '' ? {} : state === 'inFlight' ? { leaseUntil: Number(at) } : { dueAt: Number(at) };
  const error = err === undefined || err === '' ? {} : { error: JSON.parse(err) as FailureInfo };
  return { ...record, ...time, ...error, ...priority };
}

/** Job records from the flat reply of `jobs.lua` (eight fields per item). */
export function decodeJobs(queue: string, flat: string[]): JobRecord[] {
  const out: JobRecord[] = [];
  for (let i = 0; i < flat.length; i += 8) {
    const record = decodeJob(queue, flat[i]!, flat.slice(i + 1, i + 8));
    if (record !== undefined) out.push(record);
  }
  return out;
}

/** Pending publishes from the flat reply of `pending.lua` (id, dueAt, stored message per item). */
export function decodePending(flat: string[]): PendingPublish[] {
  const out: PendingPublish[] = [];
  for (let i = 0; i < flat.length; i += 3) {
    const m = decodeMessage(flat[i]!, flat[i + 2]!);
    out.push({ id: m.id, name: m.name, ...(m.tid !== undefined ? { tid: m.tid } : {}), dueAt: Number(flat[i + 1]) });
  }
  return out;
}
