import assert from 'node:assert/strict';
import type { Backend, Delivery, LeaseRef } from '@wrkr/core/backend';

/** A long lease, for tests where no lease may expire. */
export const LONG_LEASE_MS = 60_000;

/** The lease reference of a delivery. */
export function ref(delivery: Delivery): LeaseRef {
  return { queue: delivery.queue, id: delivery.message.id, token: delivery.token };
}

/** A delivery with who took it and when. */
export interface Collected extends Delivery {
  /** Index of the consumer (in the array given to `collect`) that claimed it. */
  readonly consumer: number;
  /** Epoch ms when the claim returned it. */
  readonly receivedAt: number;
}

/** Options of `collect`. */
export interface CollectOptions {
  /** Stop once this many deliveries arrived in total. */
  readonly count: number;
  /** Give up when no delivery arrived for this long (ms). */
  readonly patienceMs: number;
  /** Lease per claim; long by default so nothing is redelivered. */
  readonly leaseMs?: number;
  /** Most deliveries per claim (default 50). */
  readonly max?: number;
  /** Ack each delivery (default true). */
  readonly ack?: boolean;
  /** Called for each delivery before it is acked (e.g. to slow a consumer down). */
  readonly onDelivery?: (delivery: Collected) => Promise<void> | void;
}

/**
 * Run one claim loop per consumer until `count` deliveries arrived or none arrived for `patienceMs`;
 * return every delivery (duplicates included, so callers can assert exactly-once).
 */
export async function collect(consumers: readonly Backend[], queue: string, options: CollectOptions): Promise<Collected[]> {
  const { count, patienceMs, leaseMs = LONG_LEASE_MS, max = 50, ack = true } = options;
  const out: Collected[] = [];
  const stop = new AbortController();
  let lastProgress = Date.now();
  const loop = async (backend: Backend, consumer: number): Promise<void> => {
    while (!stop.signal.aborted) {
      const got = await backend.claim(queue, { max, leaseMs, waitMs: 100, signal: stop.signal });
      const receivedAt = Date.now();
      if (got.length > 0) lastProgress = receivedAt;
      for (const delivery of got) {
        const collected: Collected = { ...delivery, consumer, receivedAt };
        out.push(collected);
        await options.onDelivery?.(collected);
      }
      if (ack) {
        const acked = await Promise.all(got.map((d) => backend.ack(ref(d))));
        assert.ok(acked.every(Boolean), `ack of a fresh delivery from ${queue} returned false`);
      }
      if (out.length >= count || Date.now() - lastProgress > patienceMs) stop.abort();
    }
  };
  try {
    await Promise.all(consumers.map((backend, i) => loop(backend, i)));
  } finally {
    stop.abort();
  }
  return out;
}

/** Assert the deliveries hold every expected id exactly once (and nothing else). */
export function assertExactlyOnce(deliveries: readonly Delivery[], expectedIds: Iterable<string>, what = 'messages'): void {
  const expected = new Set(expectedIds);
  const seen = new Map<string, number>();
  for (const d of deliveries) seen.set(d.message.id, (seen.get(d.message.id) ?? 0) + 1);
  const missing = [...expected].filter((id) => !seen.has(id));
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  const unexpected = [...seen.keys()].filter((id) => !expected.has(id));
  assert.ok(
    missing.length === 0 && duplicated.length === 0 && unexpected.length === 0,
    `expected each of ${expected.size} ${what} exactly once, got ${deliveries.length} deliveries: ` +
      `${missing.length} missing (${missing.slice(0, 3).join(', ')}), ${duplicated.length} delivered more than once (${duplicated.slice(0, 3).join(', ')}), ` +
      `${unexpected.length} unexpected (${unexpected.slice(0, 3).join(', ')})`,
  );
}

/** Claim one item (as `holder`, when given), waiting up to `timeoutMs`; undefined when none came. */
export async function claimNext(backend: Backend, queue: string, options: { leaseMs?: number; timeoutMs: number; holder?: string }): Promise<Delivery | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  const as = options.holder === undefined ? {} : { holder: options.holder };
  for (;;) {
    const remaining = deadline - Date.now();
    const got = await backend.claim(queue, { max: 1, leaseMs: options.leaseMs ?? LONG_LEASE_MS, waitMs: Math.max(0, Math.min(remaining, 1000)), ...as });
    assert.ok(got.length <= 1, `claim with max 1 returned ${got.length} deliveries`);
    if (got[0] !== undefined || remaining <= 0) return got[0];
  }
}

/** Claim one item (as `holder`, when given) that must arrive within `timeoutMs`. */
export async function mustClaim(backend: Backend, queue: string, options: { leaseMs?: number; timeoutMs: number; holder?: string }): Promise<Delivery> {
  const d = await claimNext(backend, queue, options);
  assert.ok(d, `expected a delivery from queue ${queue} within ${options.timeoutMs} ms, got none`);
  return d;
}

/** Assert nothing can be claimed from the queue for `waitMs`. */
export async function expectNothing(backend: Backend, queue: string, waitMs: number, why = ''): Promise<void> {
  const got = await backend.claim(queue, { max: 10, leaseMs: LONG_LEASE_MS, waitMs });
  assert.equal(
    got.length,
    0,
    `expected no delivery from queue ${queue}${why ? ` (${why})` : ''}, got ${got.map((d) => `${d.message.name}#${d.message.id} attempt ${d.attempt}`).join(', ')}`,
  );
}
