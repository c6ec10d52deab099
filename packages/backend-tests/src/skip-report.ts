/** One test the suite skipped, and why. */
export interface SkippedTest {
  /** Full test title. */
  readonly title: string;
  /** The unmet capability or hook. */
  readonly reason: string;
}

/** Collects the skipped tests of one suite run so they can be reported together. */
export class SkipReport {
  readonly #skipped: SkippedTest[] = [];

  constructor(private readonly backendName: string) {}

  /** Record a skipped test. */
  add(title: string, reason: string): void {
    this.#skipped.push({ title, reason });
  }

  /** The skipped tests so far. */
  get skipped(): readonly SkippedTest[] {
    return this.#skipped;
  }

  /** Write the list to stderr (only when something was skipped): a skipped guarantee must not go unnoticed. */
  print(stream: NodeJS.WritableStream = process.stderr): void {
    if (this.#skipped.length === 0) return;
    const lines = [
      '',
      `!!! wrkr conformance (${this.backendName}): ${this.#skipped.length} test(s) SKIPPED — these guarantees were NOT checked:`,
      ...this.#skipped.map((s) => `!!!   - ${s.title}  (${s.reason})`),
      '',
    ];
    stream.write(lines.join('\n') + '\n');
  }
}
