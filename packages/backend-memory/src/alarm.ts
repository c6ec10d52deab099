// setTimeout fires at once (with a warning) for delays above 2^31-1 ms; longer waits re-arm on wake-up.
const MAX_DELAY = 2 ** 31 - 1;

/**
 * One timer aimed at the earliest instant something must happen. Unref'd, so a memory backend alone
 * never keeps a process alive. Waking up a little early is harmless: the owner finds nothing due and
 * re-arms.
 */
export class Alarm {
  #timer: NodeJS.Timeout | undefined;
  #at = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: () => number,
    private readonly ring: () => void,
  ) {}

  /** Ring at `at` (epoch ms), replacing any earlier setting; `undefined` disarms. */
  set(at: number | undefined): void {
    if (at === undefined) {
      this.clear();
      return;
    }
    if (this.#timer !== undefined && at === this.#at) return;
    this.clear();
    this.#at = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#at = Number.POSITIVE_INFINITY;
      this.ring();
    }, Math.min(MAX_DELAY, Math.max(0, at - this.clock())));
    this.#timer.unref();
  }

  /** Disarm. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Number.POSITIVE_INFINITY;
  }
}
