import type { TestApi, TestBody } from '@wrkr/backend-tests';

/** Outcome of one recorded test. */
export interface RecordedResult {
  /** Full title, describe names joined with ' › '. */
  readonly title: string;
  /** 'passed', 'failed' or 'skipped'. */
  readonly status: 'passed' | 'failed' | 'skipped';
  /** The failure, if any. */
  readonly error?: unknown;
}

interface Block {
  readonly name: string;
  readonly entries: Array<{ kind: 'block'; block: Block } | { kind: 'test'; name: string; fn: TestBody; timeoutMs?: number; skip: boolean }>;
  readonly beforeAll: TestBody[];
  readonly afterAll: TestBody[];
  readonly beforeEach: TestBody[];
  readonly afterEach: TestBody[];
}

const newBlock = (name: string): Block => ({ name, entries: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] });

async function withTimeout(fn: TestBody, timeoutMs: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A minimal test runner behind the suite's TestApi: it records describe/it/hooks as the suite
 * registers them, then runs them (hooks in jest's order) and reports each test's outcome instead of
 * failing the surrounding jest test. This lets the suite's own tests assert that it fails.
 */
export class RecordingApi {
  readonly #root = newBlock('');
  #current = this.#root;

  /** The TestApi to hand to the suite. */
  readonly api: TestApi = {
    describe: (name, fn) => {
      const block = newBlock(name);
      this.#current.entries.push({ kind: 'block', block });
      const parent = this.#current;
      this.#current = block;
      try {
        fn();
      } finally {
        this.#current = parent;
      }
    },
    it: Object.assign((name: string, fn: TestBody, timeoutMs?: number) => this.#current.entries.push({ kind: 'test', name, fn, timeoutMs, skip: false }), {
      skip: (name: string, fn: TestBody, timeoutMs?: number) => this.#current.entries.push({ kind: 'test', name, fn, timeoutMs, skip: true }),
    }),
    beforeAll: (fn) => this.#current.beforeAll.push(fn),
    afterAll: (fn) => this.#current.afterAll.push(fn),
    beforeEach: (fn) => this.#current.beforeEach.push(fn),
    afterEach: (fn) => this.#current.afterEach.push(fn),
  };

  /** Run every recorded test; `timeoutMs` caps each test that registered none. */
  async run(timeoutMs = 60_000): Promise<RecordedResult[]> {
    const results: RecordedResult[] = [];
    await this.#runBlock(this.#root, [], results, timeoutMs);
    return results;
  }

  async #runBlock(block: Block, ancestors: Block[], results: RecordedResult[], timeoutMs: number): Promise<void> {
    const chain = [...ancestors, block];
    const title = (name: string) => [...chain.map((b) => b.name).filter(Boolean), name].join(' › ');
    let setupError: unknown;
    for (const hook of block.beforeAll) {
      try {
        await withTimeout(hook, timeoutMs, 'beforeAll');
      } catch (err) {
        setupError ??= err;
      }
    }
    for (const entry of block.entries) {
      if (entry.kind === 'block') {
        await this.#runBlock(entry.block, chain, results, timeoutMs);
        continue;
      }
      if (entry.skip) {
        results.push({ title: title(entry.name), status: 'skipped' });
        continue;
      }
      let error: unknown = setupError;
      if (error === undefined) {
        try {
          for (const b of chain) for (const hook of b.beforeEach) await withTimeout(hook, timeoutMs, 'beforeEach');
          await withTimeout(entry.fn, entry.timeoutMs ?? timeoutMs, 'test');
        } catch (err) {
          error = err;
        }
        for (const b of [...chain].reverse()) {
          for (const hook of b.afterEach) {
            try {
              await withTimeout(hook, timeoutMs, 'afterEach');
            } catch (err) {
              error ??= err;
            }
          }
        }
      }
      results.push(error === undefined ? { title: title(entry.name), status: 'passed' } : { title: title(entry.name), status: 'failed', error });
    }
    for (const hook of block.afterAll) await withTimeout(hook, timeoutMs, 'afterAll').catch(() => undefined);
  }
}
