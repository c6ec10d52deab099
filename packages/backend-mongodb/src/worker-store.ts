import { randomUUID } from 'node:crypto';
import type { WorkerInfo } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';
import type { WorkerDoc } from './documents';
import { isDuplicateKey } from './errors';
import type { Guards } from './guards';

const ATTEMPTS = 5;

/**
 * Worker registrations. Every write is guarded by `w~<id>~<version>` of the document it read, so two
 * instances racing for one id cannot both win. Meta is stored as JSON text: its keys are free-form.
 */
export class WorkerStore {
  constructor(
    private readonly workers: Collection<WorkerDoc>,
    private readonly guards: Guards,
  ) {}

  /** Register, or renew (heartbeat), `id` for `instance`; false when another instance holds it live. */
  async set(id: string, instance: string, ttlMs: number, meta: Record<string, unknown> | undefined, renew: boolean): Promise<boolean> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const now = Date.now();
      const cur = await this.workers.findOne({ _id: id });
      const live = cur !== null && !cur.gone && cur.expiresAt > now;
      if (live && cur.inst !== instance) return false;
      const own = cur !== null && !cur.gone && cur.inst === instance && (renew || live) ? cur : undefined;
      const doc: WorkerDoc = {
        _id: id,
        inst: instance,
        meta: meta !== undefined ? JSON.stringify(meta) : (own?.meta ?? '{}'),
        startedAt: own?.startedAt ?? now,
        heartbeatAt: now,
        expiresAt: now + ttlMs,
        gone: false,
        v: randomUUID(),
      };
      if (!(await this.guards.acquire(`w~${id}~${cur?.v ?? 'new'}`))) continue;
      try {
        if (cur === null) await this.workers.insertOne(doc);
        else await this.workers.replaceOne({ _id: id }, doc);
        return true;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    return false;
  }

  /** Remove `id` when `instance` holds it (a tombstone, so the next registration gets a fresh guard). */
  async remove(id: string, instance: string): Promise<void> {
    const cur = await this.workers.findOne({ _id: id });
    if (cur === null || cur.gone || cur.inst !== instance) return;
    if (!(await this.guards.acquire(`w~${id}~${cur.v}`))) return;
    await this.workers.replaceOne({ _id: id }, { ...cur, gone: true, v: randomUUID() });
  }

  /** Live registrations by id. */
  async live(): Promise<WorkerInfo[]> {
    const now = Date.now();
    const docs = await this.workers.find({ gone: false, expiresAt: { $gt: now } }).toArray();
    return docs
      .map((d) => ({ id: d._id, meta: JSON.parse(d.meta) as Record<string, unknown>, startedAt: d.startedAt, heartbeatAt: d.heartbeatAt, expiresAt: d.expiresAt }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
