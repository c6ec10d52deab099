import { CLOCK_SLACK_MS } from './assertions';

/** One claim's delivery seen by a test: when its claim call was made and when it returned. */
export interface Start {
  readonly before: number;
  readonly after: number;
}

/**
 * The most starts whose claim calls lie wholly inside one window shorter than `per`: each such start
 * happened inside that window, so more than the rate's `max` is a violation whatever the latencies were.
 */
export function mostStartsWithin(starts: readonly Start[], per: number): number {
  const sorted = [...starts].sort((x, y) => x.before - y.before);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    const from = sorted[i]!.before;
    let n = 0;
    for (let j = i; j < sorted.length; j++) if (sorted[j]!.after < from + per - CLOCK_SLACK_MS) n++;
    most = Math.max(most, n);
  }
  return most;
}
