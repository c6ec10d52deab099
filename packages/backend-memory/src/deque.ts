/** A FIFO on a growable ring buffer: O(1) push and shift however long it gets (unlike Array#shift). */
export class Deque<T> {
  #buf: Array<T | undefined> = new Array<T | undefined>(16);
  #head = 0;
  #length = 0;

  /** Number of items. */
  get length(): number {
    return this.#length;
  }

  /** Append at the back. */
  push(item: T): void {
    if (this.#length === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#length) & (this.#buf.length - 1)] = item;
    this.#length++;
  }

  /** Remove and return the front item. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#buf.length - 1);
    this.#length--;
    return item;
  }

  /** The item `i` places from the front, or undefined past the back. */
  at(i: number): T | undefined {
    return i < this.#length ? this.#buf[(this.#head + i) & (this.#buf.length - 1)] : undefined;
  }

  /** Remove `item` (the first occurrence), closing the gap; O(n). False when it is not here. */
  remove(item: T): boolean {
    const mask = this.#buf.length - 1;
    let i = 0;
    while (i < this.#length && this.#buf[(this.#head + i) & mask] !== item) i++;
    if (i === this.#length) return false;
    for (; i < this.#length - 1; i++) this.#buf[(this.#head + i) & mask] = this.#buf[(this.#head + i + 1) & mask];
    this.#buf[(this.#head + this.#length - 1) & mask] = undefined;
    this.#length--;
    return true;
  }

  /** Remove every item. */
  clear(): void {
    this.#buf = new Array<T | undefined>(16);
    this.#head = 0;
    this.#length = 0;
  }

  // Capacity stays a power of two so wrapping is a mask, not a division.
  #grow(): void {
    const old = this.#buf;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#length; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#buf = next;
    this.#head = 0;
  }
}
