import { Deque } from './deque';

/** Anything with a priority 0–9. */
interface Prioritised {
  readonly priority: number;
}

/**
 * The ready items of a queue: one FIFO per priority level, taken highest level first. Ten fixed levels
 * keep push and shift O(1), so plain (priority 0) traffic pays one array index over a single FIFO.
 */
export class PriorityReady<T extends Prioritised> {
  readonly #levels: Deque<T>[] = Array.from({ length: 10 }, () => new Deque<T>());
  #length = 0;
  /** Highest level that may be non-empty; lowered lazily by shift. */
  #top = 0;

  /** Number of items over all levels. */
  get length(): number {
    return this.#length;
  }

  /** Append at the back of the item's level. */
  push(item: T): void {
    this.#levels[item.priority]!.push(item);
    if (item.priority > this.#top) this.#top = item.priority;
    this.#length++;
  }

  /** Remove and return the oldest item of the highest non-empty level. */
  shift(): T | undefined {
    for (; this.#top >= 0; this.#top--) {
      const item = this.#levels[this.#top]!.shift();
      if (item !== undefined) {
        this.#length--;
        return item;
      }
      if (this.#top === 0) break;
    }
    return undefined;
  }

  /** The item `index` places from the front in take order (highest level first), or undefined. */
  at(index: number): T | undefined {
    for (let level = this.#levels.length - 1; level >= 0; level--) {
      const fifo = this.#levels[level]!;
      if (index < fifo.length) return fifo.at(index);
      index -= fifo.length;
    }
    return undefined;
  }

  /** Remove `item` from its level (a debounce replacing a ready item); O(level length). */
  remove(item: T): boolean {
    if (!this.#levels[item.priority]!.remove(item)) return false;
    this.#length--;
    return true;
  }

  /** Drop every item. */
  clear(): void {
    for (const level of this.#levels) level.clear();
    this.#length = 0;
    this.#top = 0;
  }
}
