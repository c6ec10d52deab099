import assert from 'node:assert/strict';
import { isWrkrError, type Backend, type KeyOutcome, type Outgoing } from '@wrkr/core/backend';
import { assertStats } from '../assertions';
import { expectNothing, mustClaim, ref } from '../consume';
import { sleep } from '../eventually';
import { message, uniqueId } from '../fixtures';
import { defineGroup } from '../suite';

/** A keyed item named `keys.job` whose body is `label`, so a wrong survivor reads as its label. */
function keyed(label: string, key: string, keyMode: 'dedupe' | 'debounce', dueAt?: number): Outgoing {
  return { message: message('keys.job', { body: JSON.stringify(label) }), key, keyMode, ...(dueAt !== undefined && { dueAt }) };
}

function throttled(label: string, key: string, keyTtlMs: number): Outgoing {
  return { message: message('keys.job', { body: JSON.stringify(label) }), key, keyMode: 'throttle', keyTtlMs };
}

/** The outcomes without index, sorted by queue, for comparison. */
const outcomes = (list: readonly KeyOutcome[]): string[] => list.map((o) => `${o.index}:${o.queue ?? '-'}:${o.outcome}`).sort();

/** 30. Job keys: dedupe, debounce and throttle per key and scope, atomic across clients, reported per item. */
export const jobKeyTests = defineGroup('30. job keys', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };
  const label = (body: string | undefined) => JSON.parse(body!) as string;

  /** Claim everything the queue hands out within `settleMs` after the first, acking each; their labels. */
  const drain = async (b: Backend, queue: string, first = wait): Promise<string[]> => {
    const out: string[] = [];
    for (let d = await mustClaim(b, queue, first); ; ) {
      out.push(label(d.message.body));
      assert.equal(await b.ack(ref(d)), true);
      const next = await b.claim(queue, { max: 1, leaseMs: 60_000, waitMs: timing.settleMs });
      if (next[0] === undefined) return out;
      d = next[0];
    }
  };

  test('a dedupe key is admitted once while pending, by two clients racing, and again after the ack', ['jobKeys'], async () => {
    const [a, b] = [await h.client(), await h.client()];
    const keys = Array.from({ length: 5 }, () => uniqueId('k'));
    // Each client sends every key several times, interleaved: exactly one item per key may get in.
    const calls = [a, b].flatMap((c, ci) => keys.flatMap((k) => [0, 1, 2].map((n) => c.send('q', [keyed(`${ci}${n}`, k, 'dedupe')]))));
    const results = await Promise.all(calls);
    const added = results.flat().filter((o) => o.outcome === 'added').length;
    const deduped = results.flat().filter((o) => o.outcome === 'deduped');
    assert.equal(added, keys.length, 'one item added per key');
    assert.equal(deduped.length, calls.length - keys.length, 'every other send reported deduped');
    assert.ok(deduped.every((o) => o.queue === 'q' && typeof o.id === 'string'), 'a deduped outcome names the queue and the pending holder');
    assertStats(await a.stats('q'), { ready: keys.length }, 'q');

    const k = keys[0]!;
    const taken = [];
    for (let i = 0; i < keys.length; i++) taken.push(await mustClaim(a, 'q', wait));
    await expectNothing(a, 'q', timing.settleMs, 'nothing beyond the admitted items');
    const again = await b.send('q', [keyed('again', k, 'dedupe')]);
    assert.deepEqual(outcomes(again), ['0:q:deduped'], 'a key held by an item in flight dedupes');
    assertStats(await b.stats('q'), { ready: 0, inFlight: keys.length }, 'q');
    for (const d of taken) assert.equal(await a.ack(ref(d)), true);
    assert.deepEqual(outcomes(await b.send('q', [keyed('after', k, 'dedupe')])), ['0:q:added'], 'admitted again after the ack');
    assert.deepEqual(await drain(b, 'q'), ['after']);
  });

  test('a dedupe key is released by ack, fail and cancel', ['jobKeys', 'delayed', 'cancel'], async () => {
    const b = await h.client();
    const k = uniqueId('k');
    assert.deepEqual(outcomes(await b.send('q', [keyed('a', k, 'dedupe')])), ['0:q:added']);
    const d1 = await mustClaim(b, 'q', wait);
    assert.equal(await b.ack(ref(d1)), true);
    assert.deepEqual(outcomes(await b.send('q', [keyed('b', k, 'dedupe')])), ['0:q:added'], 'admitted again after the ack');
    const d2 = await mustClaim(b, 'q', wait);
    assert.equal(await b.nack(ref(d2), { kind: 'fail', error: { message: 'boom' } }), true);
    const c = keyed('c', k, 'dedupe', Date.now() + 60_000);
    assert.deepEqual(outcomes(await b.send('q', [c])), ['0:q:added'], 'admitted again after the failure');
    assert.deepEqual(outcomes(await b.send('q', [keyed('c2', k, 'dedupe')])), ['0:q:deduped'], 'a delayed holder dedupes');
    assert.equal(await b.cancel(c.message.id), true);
    assert.deepEqual(outcomes(await b.send('q', [keyed('d', k, 'dedupe')])), ['0:q:added'], 'admitted again after the cancel');
    assert.deepEqual(await drain(b, 'q'), ['d']);
  });

  test('a keyed publish acts per queue reached, and a batch sees its own earlier items', ['jobKeys'], async () => {
    const b = await h.client();
    await b.bind('q1', 'keys.job');
    await b.bind('q2', 'keys.#');
    const k = uniqueId('k');
    await b.send('q2', [keyed('held', k, 'dedupe')]);
    const first = await b.publish([keyed('p1', k, 'dedupe'), keyed('p2', k, 'dedupe')]);
    assert.deepEqual(outcomes(first), ['0:q1:added', '0:q2:deduped', '1:q1:deduped', '1:q2:deduped']);
    assert.deepEqual(await drain(b, 'q1'), ['p1']);
    assert.deepEqual(await drain(b, 'q2'), ['held']);
  });

  test('a debounce keeps the last payload and moves the due time (send)', ['jobKeys', 'delayed'], async () => {
    const [a, b] = [await h.client(), await h.client()];
    const k = uniqueId('k');
    const t0 = Date.now();
    assert.deepEqual(outcomes(await a.send('q', [keyed('first', k, 'debounce', t0 + timing.settleMs)])), ['0:q:added']);
    const mid = await b.send('q', [keyed('mid', k, 'debounce')]);
    assert.equal(mid[0]?.outcome, 'replaced', 'a ready replacement of a delayed holder');
    const lastDue = Date.now() + 3 * timing.settleMs;
    const last = await a.send('q', [keyed('last', k, 'debounce', lastDue)]);
    assert.equal(last[0]?.outcome, 'replaced');
    assert.equal(typeof last[0]?.id, 'string', 'the replaced id is reported');
    assertStats(await a.stats('q'), { ready: 0, delayed: 1 }, 'q');
    await expectNothing(a, 'q', timing.settleMs, 'the due time moved with the last call');
    const d = await mustClaim(a, 'q', wait);
    assert.ok(Date.now() >= lastDue - 5, 'delivered at the last due time, not before');
    assert.equal(label(d.message.body), 'last');
    assert.equal(await a.ack(ref(d)), true);
    await expectNothing(a, 'q', timing.settleMs, 'one delivery per burst');
  });

  test('a debounce does not replace an item in flight: the new one is added and takes the key', ['jobKeys'], async () => {
    const b = await h.client();
    const k = uniqueId('k');
    await b.send('q', [keyed('running', k, 'debounce')]);
    const running = await mustClaim(b, 'q', wait);
    assert.deepEqual(outcomes(await b.send('q', [keyed('next', k, 'debounce')])), ['0:q:added']);
    assert.equal(await b.ack(ref(running)), true, 'the running item keeps its lease');
    const replaced = await b.send('q', [keyed('newest', k, 'debounce')]);
    assert.deepEqual(outcomes(replaced), ['0:q:replaced'], 'the pending one added beside the running one held the key');
    assert.deepEqual(await drain(b, 'q'), ['newest']);
  });

  test('a debounced delayed publish replaces the pending publish: one delivery, the last payload, the last due time', ['jobKeys', 'delayed'], async () => {
    const [a, b] = [await h.client(), await h.client()];
    await a.bind('q', 'keys.job');
    const k = uniqueId('k');
    assert.deepEqual(outcomes(await a.publish([keyed('p1', k, 'debounce', Date.now() + timing.settleMs)])), ['0:-:added']);
    const r = await b.publish([keyed('p2', k, 'debounce', Date.now() + 2 * timing.settleMs)]);
    assert.deepEqual(outcomes(r), ['0:-:replaced'], 'the pending publish is the scope of a delayed publish');
    const lastDue = Date.now() + 3 * timing.settleMs;
    await a.publish([keyed('p3', k, 'debounce', lastDue)]);
    await sleep(2 * timing.settleMs);
    await expectNothing(a, 'q', 0, 'the earlier due times were replaced');
    const d = await mustClaim(a, 'q', wait);
    assert.ok(Date.now() >= lastDue - 5, 'routed at the last due time');
    assert.equal(label(d.message.body), 'p3');
    assert.equal(await a.ack(ref(d)), true);
    await expectNothing(a, 'q', timing.settleMs, 'one delivery per burst');
  });

  test('a dedupe on a delayed publish keeps the first pending publish', ['jobKeys', 'delayed'], async () => {
    const b = await h.client();
    await b.bind('q', 'keys.job');
    const k = uniqueId('k');
    const due = Date.now() + timing.settleMs;
    await b.publish([keyed('first', k, 'dedupe', due)]);
    const r = await b.publish([keyed('second', k, 'dedupe', due)]);
    assert.deepEqual(outcomes(r), ['0:-:deduped']);
    assert.deepEqual(await drain(b, 'q'), ['first']);
  });

  test('a throttle admits one per window, drops the rest, and admits again after it', ['jobKeys'], async () => {
    const [a, b] = [await h.client(), await h.client()];
    const k = uniqueId('k');
    const ttl = 4 * timing.settleMs;
    const start = Date.now();
    const burst = await Promise.all([a, b, a, b].map((c, i) => c.send('q', [throttled(`t${i}`, k, ttl)])));
    assert.equal(burst.flat().filter((o) => o.outcome === 'added').length, 1, 'one admitted in the window');
    assert.equal(burst.flat().filter((o) => o.outcome === 'throttled').length, 3, 'the others reported throttled');
    const first = await mustClaim(a, 'q', wait);
    assert.equal(await a.ack(ref(first)), true);
    if (Date.now() - start < ttl - timing.settleMs) {
      assert.equal((await b.send('q', [throttled('inside', k, ttl)]))[0]?.outcome, 'throttled', 'an acked item does not end the window');
    }
    await sleep(Math.max(0, start + ttl - Date.now()) + timing.dueToleranceMs);
    assert.equal((await b.send('q', [throttled('after', k, ttl)]))[0]?.outcome, 'added', 'admitted after the window');
    assert.deepEqual(await drain(b, 'q'), ['after']);
  });

  test('bad key fields are refused with a ValidationError and nothing is stored', ['jobKeys'], async () => {
    const b = await h.client();
    await b.bind('q', 'keys.job');
    const bads: Array<Record<string, unknown>> = [
      { key: '' },
      { key: 'x'.repeat(201), keyMode: 'dedupe' },
      { key: 'k' },
      { key: 'k', keyMode: 'replace' },
      { keyMode: 'dedupe' },
      { keyTtlMs: 10 },
      { key: 'k', keyMode: 'dedupe', keyTtlMs: 10 },
      { key: 'k', keyMode: 'throttle' },
      { key: 'k', keyMode: 'throttle', keyTtlMs: 0 },
      { key: 7, keyMode: 'dedupe' },
    ];
    for (const bad of bads) {
      const good: Outgoing = { message: message('keys.job') };
      const item = { message: message('keys.job'), ...bad } as unknown as Outgoing;
      for (const call of [() => b.send('q', [good, item]), () => b.publish([good, item]), () => b.publish([good, { ...item, dueAt: Date.now() + 60_000 }])]) {
        await assert.rejects(call, (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'), `${JSON.stringify(bad)} was accepted`);
      }
    }
    assertStats(await b.stats('q'), {}, 'q');
    await expectNothing(b, 'q', timing.settleMs, 'refused batches store nothing');
  });
});
