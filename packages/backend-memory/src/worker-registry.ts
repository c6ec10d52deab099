import type { WorkerInfo } from '@wrkr/core/backend';
import { copyWorker } from './copy';

interface Registration {
  readonly instance: string;
  readonly info: WorkerInfo;
}

/** Worker registrations of one namespace: an id is held by one instance while its registration lives. */
export class WorkerRegistry {
  readonly #byId = new Map<string, Registration>();

  /** Register `id` for `instance`; false when another instance holds a live registration. */
  register(id: string, instance: string, meta: Record<string, unknown>, ttlMs: number, now: number): boolean {
    const current = this.#byId.get(id);
    if (current !== undefined && current.instance !== instance && current.info.expiresAt > now) return false;
    const startedAt = current?.instance === instance && current.info.expiresAt > now ? current.info.startedAt : now;
    this.#set(id, instance, meta, startedAt, ttlMs, now);
    return true;
  }

  /**
   * Renew the registration of `id` held by `instance`; false when another instance holds it live. A
   * registration that lapsed without being taken over is renewed, so a worker that paused briefly
   * (a long GC, a suspended laptop) keeps its id.
   */
  heartbeat(id: string, instance: string, ttlMs: number, meta: Record<string, unknown> | undefined, now: number): boolean {
    const current = this.#byId.get(id);
    if (current !== undefined && current.instance !== instance && current.info.expiresAt > now) return false;
    const own = current?.instance === instance ? current : undefined;
    this.#set(id, instance, meta ?? own?.info.meta ?? {}, own?.info.startedAt ?? now, ttlMs, now);
    return true;
  }

  /** Remove the registration of `id` when `instance` holds it. */
  unregister(id: string, instance: string): void {
    if (this.#byId.get(id)?.instance === instance) this.#byId.delete(id);
  }

  /** Live registrations, by id; expired ones are forgotten. */
  live(now: number): WorkerInfo[] {
    const out: WorkerInfo[] = [];
    for (const [id, r] of this.#byId) {
      if (r.info.expiresAt > now) out.push(copyWorker(r.info));
      else this.#byId.delete(id);
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  #set(id: string, instance: string, meta: Readonly<Record<string, unknown>>, startedAt: number, ttlMs: number, now: number): void {
    const info = copyWorker({ id, meta, startedAt, heartbeatAt: now, expiresAt: now + ttlMs });
    this.#byId.set(id, { instance, info });
  }
}
