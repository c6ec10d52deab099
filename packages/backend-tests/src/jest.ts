import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from '@jest/globals';
import { runConformance as run } from './conformance';
import type { ConformanceOptions, TestApi } from './options';

/** jest's registration functions as the suite's runner-agnostic TestApi. */
export const jestApi: TestApi = {
  describe: (name, fn) => describe(name, fn),
  it: Object.assign((name: string, fn: () => unknown, timeoutMs?: number) => it(name, async () => { await fn(); }, timeoutMs), {
    skip: (name: string, fn: () => unknown, timeoutMs?: number) => it.skip(name, async () => { await fn(); }, timeoutMs),
  }),
  beforeAll: (fn, timeoutMs) => beforeAll(async () => { await fn(); }, timeoutMs),
  afterAll: (fn, timeoutMs) => afterAll(async () => { await fn(); }, timeoutMs),
  beforeEach: (fn, timeoutMs) => beforeEach(async () => { await fn(); }, timeoutMs),
  afterEach: (fn, timeoutMs) => afterEach(async () => { await fn(); }, timeoutMs),
};

/** Register the whole conformance suite with jest: `runConformance({ name, createBackend })` in a test file. */
export function runConformance(options: ConformanceOptions): void {
  run(options, jestApi);
}

export type { ConformanceOptions } from './options';
