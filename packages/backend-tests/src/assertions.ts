import assert from 'node:assert/strict';
import type { Message, QueueStats } from '@wrkr/core/backend';

/**
 * Slack (ms) for comparing the suite's clock with times a backend computed, perhaps on the server's
 * clock and rounded: small enough that "never early" still means it.
 */
export const CLOCK_SLACK_MS = 5;

/** Assert a delivered message carries every field of the published one, unchanged (absent stays absent). */
export function assertSameMessage(actual: Message, expected: Message): void {
  const shape = (m: Message) => ({
    id: m.id,
    name: m.name,
    tid: m.tid,
    headers: m.headers === undefined ? undefined : { ...m.headers },
    body: m.body,
    publishedAt: m.publishedAt,
  });
  assert.deepEqual(shape(actual), shape(expected));
}

/** Assert a queue's exact counts; fields not given must be 0. */
export function assertStats(actual: QueueStats, expected: Partial<QueueStats>, queue = ''): void {
  const want = { ready: 0, delayed: 0, inFlight: 0, failed: 0, ...expected };
  const got = { ready: actual.ready, delayed: actual.delayed, inFlight: actual.inFlight, failed: actual.failed };
  assert.deepEqual(got, want, `stats of queue ${queue}`);
}

/** Assert `at` lies in [from, to] (epoch ms), with a message naming what it is. */
export function assertBetween(at: number, from: number, to: number, what: string): void {
  assert.ok(at >= from && at <= to, `${what}: ${at} is not within [${from}, ${to}] (${at - from} ms after the start of the window)`);
}

/**
 * The JSON form of a value, for comparing what a backend returns: objects built in another realm
 * (structuredClone, a driver's decoder) differ from literals in prototype only, which is not a contract matter.
 */
export function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
