'use strict';
/** Measuring helpers shared by every bench script (the root ones and each package's bench folder). */

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

/** Resolve after `ms`. */
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Whole number with thousands separators (or the value as text when not finite). */
function fmt(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n);
}

/** The bench flags: `--quick` (smaller runs) and `--only a,b` (run only those scenarios). */
function benchArgs(argv = process.argv.slice(2)) {
  const quick = argv.includes('--quick');
  const onlyArg = argv[argv.indexOf('--only') + 1];
  const only = argv.includes('--only') && onlyArg ? new Set(onlyArg.split(',')) : undefined;
  return { quick, enabled: (name) => !only || only.has(name) };
}

/** `--rounds N` from the command line, or `fallback`. */
function roundsArg(fallback = 3, argv = process.argv) {
  const at = argv.indexOf('--rounds');
  return at > 0 ? Number(argv[at + 1]) : fallback;
}

/** The median of `xs` (the upper one of an even count). */
function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** Run `round(mode)` for every mode, `rounds` times alternating, so a shared machine's drift hits each alike; the times per mode. */
async function alternatingRounds(modes, rounds, round) {
  const times = Object.fromEntries(modes.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) for (const mode of modes) times[mode].push(await round(mode));
  return times;
}

module.exports = { percentile, latenessSummary, counter, within, sleep, fmt, benchArgs, roundsArg, median, alternatingRounds };
