'use strict';
/** Small measuring helpers shared by the bench scenarios. */

/** Percentile (0–100) of a numeric array, nearest-rank. */
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** p50/p99/max of lateness samples. */
function latenessSummary(samples) {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: Math.max(...samples), n: samples.length };
}

/** A promise plus the function that resolves it once `count` ticks were seen. */
function counter(count) {
  let seen = 0;
  let resolve;
  const done = new Promise((r) => (resolve = r));
  return {
    tick() {
      seen += 1;
      if (seen === count) resolve(Date.now());
    },
    get seen() {
      return seen;
    },
    done,
  };
}

/** Reject if `promise` does not settle within `ms`. */
function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms))),
  ]);
}

/** Redis `used_memory` in bytes, read once no lazily freed (UNLINKed) objects are pending. */
async function usedMemory(redis) {
  for (;;) {
    const info = await redis.info('memory');
    if (Number(/lazyfree_pending_objects:(\d+)/.exec(info)?.[1] ?? 0) === 0) return Number(/used_memory:(\d+)/.exec(info)[1]);
    await sleep(50);
  }
}

/** Resolve after `ms`. */
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

module.exports = { percentile, latenessSummary, counter, within, usedMemory, sleep };
