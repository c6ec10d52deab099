import { randomUUID } from 'node:crypto';
import type { Message, ScheduleRecord } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';
import { loadHeaders, storeHeaders, type ScheduleDoc } from './documents';
import { isDuplicateKey } from './errors';
import type { Guards } from './guards';

function toDoc(r: ScheduleRecord): ScheduleDoc {
  const rule = 'every' in r.rule ? { every: r.rule.every } : { cron: r.rule.cron, ...(r.rule.tz !== undefined && { tz: r.rule.tz }) };
  const e = r.event;
  const event = {
    name: e.name,
    ...(e.tid !== undefined && { tid: e.tid }),
    ...(e.headers !== undefined && { headers: storeHeaders(e.headers) }),
    ...(e.body !== undefined && { body: e.body }),
  };
  return {
    _id: r.name, rule, event, active: r.active, nextRunAt: r.nextRunAt,
    ...(r.lastRunAt !== undefined && { lastRunAt: r.lastRunAt }),
    updatedAt: r.updatedAt, v: randomUUID(),
  };
}

function toRecord(d: ScheduleDoc): ScheduleRecord {
  const e = d.event;
  return {
    name: d._id,
    rule: 'every' in d.rule ? { every: d.rule.every } : { cron: d.rule.cron, ...(d.rule.tz !== undefined && { tz: d.rule.tz }) },
    event: {
      name: e.name,
      ...(e.tid !== undefined && { tid: e.tid }),
      ...(e.headers !== undefined && { headers: loadHeaders(e.headers) }),
      ...(e.body !== undefined && { body: e.body }),
    },
    active: d.active,
    nextRunAt: d.nextRunAt,
    ...(d.lastRunAt !== undefined && { lastRunAt: d.lastRunAt }),
    updatedAt: d.updatedAt,
  };
}

/** Recurring schedules; each occurrence fires once across all clients. */
export class ScheduleStore {
  constructor(
    private readonly schedules: Collection<ScheduleDoc>,
    private readonly guards: Guards,
    private readonly publish: (message: Message) => Promise<void>,
  ) {}

  /** Create or replace by name. */
  async upsert(record: ScheduleRecord): Promise<void> {
    const doc = toDoc(record);
    try {
      await this.schedules.replaceOne({ _id: doc._id }, doc, { upsert: true });
    } catch (err) {
      // Two first upserts of one name raced to insert; the later one replaces.
      if (!isDuplicateKey(err)) throw err;
      await this.schedules.replaceOne({ _id: doc._id }, doc);
    }
  }

  /** Delete; false when absent. */
  async remove(name: string): Promise<boolean> {
    return (await this.schedules.deleteOne({ _id: name })).deletedCount === 1;
  }

  /** One schedule. */
  async get(name: string): Promise<ScheduleRecord | undefined> {
    const d = await this.schedules.findOne({ _id: name });
    return d === null ? undefined : toRecord(d);
  }

  /** All schedules by name. */
  async list(): Promise<ScheduleRecord[]> {
    const docs = await this.schedules.find({}).toArray();
    return docs.map(toRecord).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Fire one occurrence. The guard `s~<name>~<runAt>~<updatedAt>` makes it once per occurrence and
   * definition; its `done` flag makes a retry of this instance skip a publish that already happened.
   */
  async fire(name: string, expected: { readonly runAt: number; readonly updatedAt: number }, nextRunAt: number, message: Message): Promise<boolean> {
    const current = await this.schedules.findOne({ _id: name });
    if (current === null || current.nextRunAt !== expected.runAt || current.updatedAt !== expected.updatedAt) return false;
    const key = `s~${name}~${expected.runAt}~${expected.updatedAt}`;
    if (!(await this.guards.acquire(key))) return false;
    if ((await this.guards.get(key))?.done !== true) {
      await this.publish(message);
      await this.guards.markDone(key);
    }
    await this.schedules.updateOne(
      { _id: name, nextRunAt: expected.runAt, updatedAt: expected.updatedAt },
      { $set: { nextRunAt, lastRunAt: expected.runAt, v: randomUUID() } },
    );
    return true;
  }
}
