import type { PausedSet } from './coordinator-state';

/**
 * This client's copy of the namespace's paused queues, which its claims consult. Copies arrive from the
 * coordinator's notices, from the answers to this client's own pause and resume, and from a re-read
 * whenever the census channel (re)opens; they can cross on the way, so only a copy at least as new as
 * the one held is taken.
 */
export class PausedQueues {
  #version = -1;
  #queues = new Set<string>();

  /** `changed` is told of every queue that became paused or resumed. */
  constructor(private readonly changed: (queue: string, paused: boolean) => void) {}

  /** The queue is paused, as far as this client knows. */
  has(queue: string): boolean {
    return this.#queues.has(queue);
  }

  /** Take a copy of the set unless a newer one is held already. */
  apply(set: PausedSet): void {
    if (set.version < this.#version) return;
    this.#version = set.version;
    const next = new Set(set.queues);
    const before = this.#queues;
    this.#queues = next;
    for (const q of before) if (!next.has(q)) this.changed(q, false);
    for (const q of next) if (!before.has(q)) this.changed(q, true);
  }
}
