import type { FailureInfo, Logger, Message } from '@wrkr/core/backend';
import type { ConfirmPublisher, Outbound } from './confirm-publisher';
import type { Names } from './names';

/** AMQP header that marks a client's record batch in a shadow log (routed entries never carry it). */
export const RECORD_HEADER = 'x-wrkr-record';
/** How long settled ids wait to be written together: one record per queue per this many ms at most. */
const BATCH_MS = 10;

/** The body of a delayed item written into its queue's shadow log: the coordinator's entry has no body. */
export interface DelayRecord {
  readonly nonce: string;
  readonly message: Message;
  /** Deliveries made before (a retry carries its count on). */
  readonly prior: number;
  readonly dueAt: number;
  readonly error?: FailureInfo;
  readonly priority?: number;
}

/** An item acked with `keep`: kept as completed by every reader's fold (see shadow-index.ts). */
export interface CompletedRecord {
  readonly message: Message;
  readonly attempt: number;
  /** Completion time (epoch ms, the acking client's clock). */
  readonly at: number;
  readonly result?: string;
  /** The ack's bound: the queue keeps at most this many completed items (the latest ack's bound applies). */
  readonly count: number;
  /** Never shown older than this many ms. */
  readonly ageMs: number;
}

/** One record batch as it sits in the shadow log. */
export interface RecordBatch {
  /** Ids of deliveries acked off the work queue (acked, failed, written back elsewhere, held by the coordinator). */
  readonly settled?: string[];
  /** Bodies of delayed items sent to the queue. */
  readonly delays?: DelayRecord[];
  /** Items acked with `keep`, in ack order. */
  readonly completed?: CompletedRecord[];
  /** A reader's barrier: once the reader's fold reached it, everything confirmed before it is folded. */
  readonly marker?: string;
  /** Epoch ms when the batch was written (old debts are dropped by it, see shadow-index.ts). */
  readonly at: number;
}

interface Pending {
  settled: string[];
  delays: DelayRecord[];
  completed: CompletedRecord[];
}

/**
 * The state changes of a queue that the broker does not see, written by this client into the queue's
 * shadow log: which deliveries left the work queue (the ack happens on this client's channel, where
 * nobody else sees it) and the bodies of delayed items. They are batched per queue for `BATCH_MS`, so a
 * busy consumer adds one small publish per queue per 10 ms, not one per ack; `flush` writes what is
 * pending now (a reader's barrier asks every client to, see census.ts).
 */
export class ShadowRecords {
  #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #moving = new Set<Promise<unknown>>();

  constructor(
    private readonly publisher: ConfirmPublisher,
    private readonly names: Names,
    private readonly log: Logger,
    /** Off (no `jobIndex`): nothing is recorded, and the hot path pays nothing. */
    readonly enabled: boolean,
  ) {}

  /** A delivery of `queue` with message `id` was acked off the work queue. */
  settled(queue: string, id: string): void {
    if (!this.enabled) return;
    this.#of(queue).settled.push(id);
    this.#arm();
  }

  /** An item of `queue` was acked with `keep`: its delivery left the queue, and it is kept as completed. */
  completed(queue: string, record: CompletedRecord): void {
    if (!this.enabled) return;
    const p = this.#of(queue);
    p.settled.push(record.message.id);
    p.completed.push(record);
    this.#arm();
  }

  /** Delayed items are being sent to `queue`: their bodies, for `job`/`jobs`. */
  delayed(queue: string, records: readonly DelayRecord[]): void {
    if (!this.enabled) return;
    this.#of(queue).delays.push(...records);
    this.#arm();
  }

  /**
   * A write-back under way (expiry, retry, release, hand-back, fail): its new copy may already be in the
   * log while the old delivery is not settled yet, so a barrier waits for it (see `drain`).
   */
  track<T>(move: Promise<T>): Promise<T> {
    if (!this.enabled) return move;
    this.#moving.add(move);
    const done = (): void => void this.#moving.delete(move);
    move.then(done, done);
    return move;
  }

  /** Wait for the write-backs under way, then write every pending record (a barrier's part in this client). */
  async drain(): Promise<void> {
    // Only those under way now: later ones began after the barrier, and a busy client must not hold it up forever.
    await Promise.allSettled([...this.#moving]);
    await this.flush();
  }

  /** Write every pending record now; resolves once the broker confirmed them (and any write already under way). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = new Map();
    const previous = this.#writing;
    const out: Outbound[] = [];
    const at = Date.now();
    for (const [queue, p] of batch) {
      const body: RecordBatch = { ...(p.settled.length > 0 && { settled: p.settled }), ...(p.delays.length > 0 && { delays: p.delays }), ...(p.completed.length > 0 && { completed: p.completed }), at };
      out.push(recordOutbound(this.names, queue, body));
    }
    const write = out.length === 0 ? Promise.resolve() : this.publisher.publish(out).then(() => undefined);
    // A later flush must not resolve before an earlier one's records are confirmed.
    this.#writing = Promise.all([previous, write]).then(
      () => undefined,
      (err: unknown) => this.log.warn({ err: (err as Error).message }, 'shadow-log records not written; job lookup may show settled items as ready'),
    );
    return this.#writing;
  }

  #of(queue: string): Pending {
    let p = this.#pending.get(queue);
    if (!p) this.#pending.set(queue, (p = { settled: [], delays: [], completed: [] }));
    return p;
  }

  #arm(): void {
    this.#timer ??= setTimeout(() => void this.flush(), BATCH_MS);
  }
}

/** A record batch addressed straight to a queue's shadow log (default exchange: it is not a work item). */
export function recordOutbound(names: Names, queue: string, body: RecordBatch): Outbound {
  return {
    exchange: '',
    routingKey: names.shadow(queue),
    content: Buffer.from(JSON.stringify(body)),
    options: { persistent: true, contentType: 'application/json', headers: { [RECORD_HEADER]: 1 } },
  };
}
