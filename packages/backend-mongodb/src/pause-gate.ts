import type { Collection } from 'mongodb';
import type { QueueDoc } from './documents';

/**
 * Pause state of queues, kept as a `paused` field on each queue's registry document so it lives and dies
 * with the queue. Every claim reads it before leasing (one indexed point read by `_id`), so a pause is
 * honoured by every client from the moment it is written, without a cache that could lag.
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

  /** True while the queue is paused. */
  async paused(queue: string): Promise<boolean> {
    return (await this.queues.findOne({ _id: queue, paused: true }, { projection: { _id: 1 } })) !== null;
  }
}
