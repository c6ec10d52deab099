import { Writable } from 'node:stream';
import pino from 'pino';
import { MemoryBackend, MemoryStore } from '@wrkr/backend-memory';
import { Wrkr, type WrkrOptions } from '../src';

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 5 ms until it holds; fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/**
 * Wrkr instances on one in-process MemoryStore per test, so several of them stand for processes sharing a
 * backend; every instance `make` started is stopped after the test.
 */
export function memoryWrkrs(): { make(options?: WrkrOptions): Promise<Wrkr>; store(): MemoryStore } {
  let store: MemoryStore;
  const started: Wrkr[] = [];
  beforeEach(() => {
    store = new MemoryStore();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((w) => w.stop({ timeout: 200 })));
  });
  return {
    async make(options: WrkrOptions = {}): Promise<Wrkr> {
      const w = new Wrkr({ backend: new MemoryBackend({ store }), worker: false, ...options });
      await w.start();
      started.push(w);
      return w;
    },
    store: () => store,
  };
}

/** A pino logger whose lines are collected as objects. */
export function collectingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}
