import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { emptyState, type CoordinatorState, type DelayedEntry } from './coordinator-state';

/** Journal size (bytes of deltas since the last snapshot) that triggers a new snapshot, at least. */
const MIN_COMPACT_BYTES = 256 * 1024;
/** Journal messages since the last snapshot that trigger a new snapshot. */
const MAX_DELTAS = 2_000;

type Entry =
  | { readonly kind: 'snapshot'; readonly v: number; readonly state: CoordinatorState }
  | { readonly kind: 'delta'; readonly v: number; readonly small: Partial<CoordinatorState>; readonly add: Record<string, DelayedEntry>; readonly del: string[] };

/**
 * The coordinator's durable state as a journal in one durable queue (`wrkr.<ns>.journal`): a snapshot,
 * then one small delta per batch (the small collections whole, delayed entries as adds and deletes),
 * so a batch writes a few hundred bytes however many delayed items are pending. The active
 * coordinator consumes the queue and holds every journal message unacked; now and then it writes a
 * new snapshot and acks everything older. If it dies, its held messages return in their order and
 * the next coordinator replays them. Only the active coordinator writes, through its own channel.
 */
export class StateJournal {
  #held: Array<{ msg: ConsumeMessage; v: number }> = [];
  #loading: ConsumeMessage[] | undefined = [];
  #snapshotV = -1;
  #snapshotBytes = 0;
  #bytesSince = 0;
  #add = new Map<string, DelayedEntry>();
  #del = new Set<string>();

  constructor(
    private readonly ch: ConfirmChannel,
    private readonly queue: string,
  ) {}

  /** Read the whole journal (holding it) and rebuild the state. */
  async load(): Promise<CoordinatorState> {
    const { messageCount } = await this.ch.checkQueue(this.queue);
    let arrived: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (arrived = resolve));
    await this.ch.consume(this.queue, (msg) => {
      if (!msg) return;
      if (this.#loading) {
        this.#loading.push(msg);
        if (this.#loading.length >= messageCount) arrived();
      } else {
        this.#onOwn(msg);
      }
    });
    if (messageCount > 0) await all;
    const loaded = this.#loading ?? [];
    this.#loading = undefined;
    let state = emptyState();
    for (const msg of loaded) {
      const entry = JSON.parse(msg.content.toString('utf8')) as Entry;
      this.#held.push({ msg, v: entry.v });
      this.#bytesSince += msg.content.length;
      if (entry.kind === 'snapshot') {
        state = { ...emptyState(), ...entry.state, version: entry.v };
        this.#bytesSince = 0;
        this.#snapshotBytes = msg.content.length;
        continue;
      }
      Object.assign(state, entry.small);
      for (const [k, e] of Object.entries(entry.add)) state.delayed[k] = e;
      for (const k of entry.del) delete state.delayed[k];
      state.version = entry.v;
    }
    return state;
  }

  /** Record a new pending delayed entry (written with the next commit). */
  setDelayed(state: CoordinatorState, key: string, entry: DelayedEntry): void {
    state.delayed[key] = entry;
    this.#add.set(key, entry);
    this.#del.delete(key);
  }

  /** Record the removal of a delayed entry (written with the next commit). `state` may already lack it. */
  deleteDelayed(state: CoordinatorState, key: string): void {
    delete state.delayed[key];
    this.#add.delete(key);
    this.#del.add(key);
  }

  /**
   * Write the batch's changes; resolves once the broker confirmed them. `full` is the state as a
   * snapshot must hold it (entries being released still count as pending until confirmed).
   */
  async commit(state: CoordinatorState, full: () => CoordinatorState): Promise<void> {
    state.version++;
    const small: Partial<CoordinatorState> = { ...state };
    delete small.delayed;
    const delta: Entry = { kind: 'delta', v: state.version, small, add: Object.fromEntries(this.#add), del: [...this.#del] };
    this.#add.clear();
    this.#del.clear();
    const body = Buffer.from(JSON.stringify(delta));
    this.#bytesSince += body.length;
    await this.#write(body, state.version);
    if (this.#bytesSince > Math.max(MIN_COMPACT_BYTES, 2 * this.#snapshotBytes) || this.#held.length > MAX_DELTAS) await this.#compact(state, full());
  }

  async #compact(state: CoordinatorState, snapshot: CoordinatorState): Promise<void> {
    state.version++;
    const body = Buffer.from(JSON.stringify({ kind: 'snapshot', v: state.version, state: snapshot } satisfies Entry));
    await this.#write(body, state.version);
    this.#snapshotV = state.version;
    this.#snapshotBytes = body.length;
    this.#bytesSince = 0;
    const keep: Array<{ msg: ConsumeMessage; v: number }> = [];
    for (const h of this.#held) {
      if (h.v < this.#snapshotV) this.ch.ack(h.msg);
      else keep.push(h);
    }
    this.#held = keep;
  }

  /** Our own journal writes come back through the consumer: hold them, or ack those a snapshot superseded. */
  #onOwn(msg: ConsumeMessage): void {
    const v = Number(msg.properties.messageId);
    if (v < this.#snapshotV) this.ch.ack(msg);
    else this.#held.push({ msg, v });
  }

  #write(body: Buffer, v: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ch.sendToQueue(this.queue, body, { persistent: true, messageId: String(v) }, (err) => (err ? reject(new Error('journal write not confirmed by the broker')) : resolve()));
    });
  }
}
