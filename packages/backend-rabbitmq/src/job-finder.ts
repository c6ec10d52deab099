import type { FailedItem, JobListOptions, JobRecord, Logger } from '@wrkr/core/backend';
import type { Census, HeldLease } from './census';
import type { ConfirmPublisher } from './confirm-publisher';
import type { ConnectionManager } from './connection';
import type { HeldJob } from './held-jobs';
import { randomToken } from './ids';
import type { Names } from './names';
import { ShadowIndex, type LiveCopy } from './shadow-index';
import { recordOutbound, type CompletedRecord, type DelayRecord } from './shadow-records';

/** How long a reader may take to fold the log up to a barrier marker. */
const BARRIER_WAIT_MS = 10_000;

/** The fold as a lookup sees it; a queue without a shadow log (never declared) has an empty one. */
interface LogView {
  live(): LiveCopy[];
  copies(id: string): readonly LiveCopy[];
  delayBody(nonce: string): DelayRecord | undefined;
  pruneDelays(current: ReadonlySet<string>, now: number): void;
  completed(now: number): CompletedRecord[];
}

const EMPTY_LOG: LogView = { live: () => [], copies: () => [], delayBody: () => undefined, pruneDelays: () => undefined, completed: () => [] };

/** Where a queue's items are at one barrier: the log's live copies, the clients' leases, the coordinator's items. */
interface Snapshot {
  readonly log: LogView;
  readonly leases: readonly HeldLease[];
  readonly held: readonly HeldJob[];
}

/** What the finder needs from the backend. */
export interface JobFinderDeps {
  readonly conn: ConnectionManager;
  readonly names: Names;
  readonly census: Census;
  readonly publisher: ConfirmPublisher;
  /** The coordinator's delayed items and held leases of a queue (`heldJobs`). */
  heldJobs(queue: string): Promise<HeldJob[]>;
  /** Failed items of a queue, oldest first, with their priorities. */
  failed(queue: string): Promise<Array<{ item: FailedItem; priority: number }>>;
  /** Live clients of the namespace. */
  clients(): Promise<number>;
  readonly log: Logger;
}

/**
 * `job` and `jobs` from three sources, each exact for its part: the queue's shadow log folded by this
 * client (ready items: what the broker routed to the queue and no client has settled, in the queue's
 * order), the clients' leases (in flight, asked through the census), and the coordinator (delayed items,
 * handed-over and sticky leases); failed items come from the failed queue. A lookup first makes every
 * client write its pending records (census barrier), then writes a marker to the log and waits until its
 * own fold has read it, so every publish, ack and nack that resolved before the lookup began is seen.
 */
export class JobFinder {
  readonly #indexes = new Map<string, Promise<ShadowIndex>>();

  constructor(private readonly deps: JobFinderDeps) {}

  /** Where item `id` of `queue` is, or undefined when it is in none of the places. */
  async job(queue: string, id: string): Promise<JobRecord | undefined> {
    const snap = await this.#snapshot(queue, id);
    const lease = snap.leases.find((l) => l.message.id === id);
    if (lease) return inFlight(queue, lease);
    const copy = snap.log.copies(id)[0];
    if (copy) return ready(queue, copy);
    const held = snap.held.filter((h) => h.id === id);
    for (const h of held) {
      const record = heldRecord(queue, h, snap.log);
      if (record) return record;
    }
    const failed = (await this.deps.failed(queue)).filter((f) => f.item.message.id === id);
    const last = failed[failed.length - 1];
    if (last) return failedRecord(queue, last.item, last.priority);
    const done = snap.log.completed(Date.now()).find((c) => c.message.id === id);
    return done && completedRecord(queue, done);
  }

  /** A page of one state of `queue`, in that state's order. */
  async jobs(queue: string, options: JobListOptions): Promise<JobRecord[]> {
    const page = (all: JobRecord[]) => all.slice(options.offset, options.offset + options.limit);
    if (options.state === 'failed') return page((await this.deps.failed(queue)).reverse().map((f) => failedRecord(queue, f.item, f.priority)));
    const snap = await this.#snapshot(queue);
    if (options.state === 'completed') return page(snap.log.completed(Date.now()).map((c) => completedRecord(queue, c)));
    if (options.state === 'ready') {
      // A leased delivery's copy is still in the log (unsettled): the lease hides the first copy of its id.
      const hidden = new Map<string, number>();
      for (const l of snap.leases) hidden.set(l.message.id, (hidden.get(l.message.id) ?? 0) + 1);
      const out: JobRecord[] = [];
      for (const copy of snap.log.live()) {
        const n = hidden.get(copy.message.id) ?? 0;
        if (n > 0) hidden.set(copy.message.id, n - 1);
        else out.push(ready(queue, copy));
      }
      return page(out);
    }
    const heldRecords = snap.held.map((h) => heldRecord(queue, h, snap.log)).filter((r): r is JobRecord => r !== undefined);
    if (options.state === 'delayed') return page(heldRecords.filter((r) => r.state === 'delayed').sort((a, b) => a.dueAt! - b.dueAt!));
    const flying = [...snap.leases.map((l) => inFlight(queue, l)), ...heldRecords.filter((r) => r.state === 'inFlight')];
    return page(flying.sort((a, b) => a.leaseUntil! - b.leaseUntil!));
  }

  /** Stop every reader (closing the client, or the queue was deleted). */
  async close(queue?: string): Promise<void> {
    const which = queue === undefined ? [...this.#indexes.keys()] : [queue];
    await Promise.all(
      which.map(async (q) => {
        const p = this.#indexes.get(q);
        this.#indexes.delete(q);
        await (await p?.catch(() => undefined))?.close();
      }),
    );
  }

  async #snapshot(queue: string, id?: string): Promise<Snapshot> {
    // The coordinator first: an item released meanwhile is then also in the log, and the log wins.
    const held = await this.deps.heldJobs(queue);
    const leases = await this.deps.census.flush(queue, await this.deps.clients(), id);
    const log = await this.#barrier(queue);
    log.pruneDelays(new Set(held.map((h) => h.nonce)), Date.now());
    return { log, leases, held };
  }

  /** This client's fold of the queue's log, read up to a marker written now. */
  async #barrier(queue: string): Promise<LogView> {
    for (let attempt = 0; ; attempt++) {
      const index = await this.#index(queue);
      if (!index) return EMPTY_LOG;
      const marker = randomToken();
      const reached = index.reach(marker, BARRIER_WAIT_MS);
      try {
        await this.deps.publisher.publish([recordOutbound(this.deps.names, queue, { marker, at: Date.now() })]);
        await reached;
        return index;
      } catch (err) {
        reached.catch(() => undefined);
        // The reader died (channel or connection lost): read the log again from its start, once.
        if (attempt >= 1 || index.alive) throw err;
        this.deps.log.debug({ err: (err as Error).message, queue }, 'shadow-log reader lost; reading the log again');
      }
    }
  }

  /** The live reader of a queue's log, opened on first use; undefined when the queue has no log. */
  async #index(queue: string): Promise<ShadowIndex | undefined> {
    let p = this.#indexes.get(queue);
    const current = await p?.catch(() => undefined);
    if (!current?.alive) {
      p = ShadowIndex.open(this.deps.conn, this.deps.names, queue, this.deps.log);
      this.#indexes.set(queue, p);
      p.catch(() => {
        if (this.#indexes.get(queue) === p) this.#indexes.delete(queue);
      });
    }
    try {
      return await p;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }
}

function ready(queue: string, copy: LiveCopy): JobRecord {
  return { queue, message: copy.message, state: 'ready', attempt: copy.prior, ...(copy.priority > 0 && { priority: copy.priority }) };
}

function inFlight(queue: string, lease: HeldLease): JobRecord {
  return { queue, message: lease.message, state: 'inFlight', attempt: lease.attempt, leaseUntil: lease.leaseUntil, ...(lease.priority !== undefined && lease.priority > 0 && { priority: lease.priority }) };
}

/** A coordinator-held item as a record; undefined when its body is not in the log (see the README's limits). */
function heldRecord(queue: string, h: HeldJob, log: LogView): JobRecord | undefined {
  if (h.sticky) {
    const priority = h.sticky.priority ?? 0;
    return { queue, message: h.sticky.message, state: 'inFlight', attempt: h.sticky.attempt, leaseUntil: h.dueAt, ...(priority > 0 && { priority }) };
  }
  const body = log.delayBody(h.nonce);
  if (!body) return undefined;
  const priority = body.priority ?? 0;
  if (h.lease) return { queue, message: body.message, state: 'inFlight', attempt: body.prior, leaseUntil: h.dueAt, ...(priority > 0 && { priority }) };
  return {
    queue,
    message: body.message,
    state: 'delayed',
    attempt: body.prior,
    dueAt: h.dueAt,
    ...(body.error !== undefined && { error: body.error }),
    ...(priority > 0 && { priority }),
  };
}

function completedRecord(queue: string, c: CompletedRecord): JobRecord {
  return { queue, message: c.message, state: 'completed', attempt: c.attempt, updatedAt: c.at, ...(c.result !== undefined && { result: c.result }) };
}

function failedRecord(queue: string, f: FailedItem, priority: number): JobRecord {
  return { queue, message: f.message, state: 'failed', attempt: f.attempt, error: f.error, updatedAt: f.failedAt, ...(priority > 0 && { priority }) };
}
