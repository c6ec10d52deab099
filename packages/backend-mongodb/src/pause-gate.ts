import type { Collection } from 'mongodb';
import type { QueueDoc } from './documents';

/**
 * Pause state of queues, kept as a `paused` field on each queue's registry document so it lives and dies
 * with the queue. Every claim reads it before leasing (one indexed point read by `_id`), so a pause is
 * honoured by every client from the moment it is written, without a cache that could lag. The same read
 * returns the `prio` mark, so queues that never got a prioritised item pay nothing for priorities.
 */
export class PauseGate {
  constructor(private readonly queues: Collection<QueueDoc>) {}

  /** Mark the queue paused (creating its registry entry if needed). */
  async pause(queue: string): Promise<void> {
    await this.queues.updateOne({ _id: queue }, { $set: { paused: true } }, { upsert: true });
  }

  /** Clear the mark. */
  async resume(queue: string): Promise<void> {
    await this.queues.updateOne({ _id: queue }, { $unset: { paused: '' } });
  }

  /** Mark that the queue got a prioritised item (written after the item, before any wake-up; never cleared). */
  async markPrioritised(queue: string): Promise<void> {
    await this.queues.updateOne({ _id: queue }, { $set: { prio: true } }, { upsert: true });
  }

  /** What a claim needs from the registry: paused, and whether prioritised items may be pending. */
  async claimFlags(queue: string): Promise<{ paused: boolean; prioritised: boolean }> {
    const doc = await this.queues.findOne({ _id: queue }, { projection: { paused: 1, prio: 1 } });
    return { paused: doc?.paused === true, prioritised: doc?.prio === true };
  }

  /** True while the queue is paused. */
  async paused(queue: string): Promise<boolean> {
    return (await this.queues.findOne({ _id: queue, paused: true }, { projection: { _id: 1 } })) !== null;
  }
}
