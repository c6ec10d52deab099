import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { isWrkrError, type Backend, type Delivery, type FailureInfo, type JobListOptions, type JobRecord } from '@wrkr/core/backend';
import { assertSameMessage } from '../assertions';
import { claimNext, LONG_LEASE_MS, mustClaim, ref } from '../consume';
import { eventually, sleep } from '../eventually';
import { message, messages } from '../fixtures';
import { defineGroup } from '../suite';

const ERROR: FailureInfo = { message: 'nope' };
const ids = (records: readonly JobRecord[]) => records.map((r) => r.message.id);

/** Every page of one state, `size` at a time, concatenated. */
async function allPages(b: Backend, queue: string, state: JobListOptions['state'], size: number): Promise<JobRecord[]> {
  const out: JobRecord[] = [];
  for (let offset = 0; ; offset += size) {
    const page = await b.jobs(queue, { state, limit: size, offset });
    out.push(...page);
    if (page.length < size) return out;
  }
}

/** 22. Per-state listings: `jobs(queue, { state, limit, offset })` pages, in each state's own order. */
export const listingTests = defineGroup('22. per-state listings', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };

  test('ready items are listed in the order claims then take them, and pages add up to the whole list', ['listings'], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', messages('list.ready', 4).map((m) => ({ message: m })));
    // An expired lease and a retry-now join the ready items too, wherever this backend queues them.
    const expired = await mustClaim(a!, 'q', { leaseMs: timing.leaseMs, timeoutMs: timing.patienceMs });
    const retried = await mustClaim(a!, 'q', { leaseMs: LONG_LEASE_MS, timeoutMs: timing.patienceMs });
    assert.equal(await a!.nack(ref(retried), { kind: 'retry', dueAt: Date.now() }), true);
    await eventually(async () => assert.equal((await b!.job('q', expired.message.id))?.state, 'ready'), timing.leaseMs + timing.dueToleranceMs + timing.patienceMs);
    const listed = await b!.jobs('q', { state: 'ready' });
    assert.equal(listed.length, 4);
    assert.ok(listed.every((r) => r.state === 'ready' && r.queue === 'q'), 'every listed item is ready');
    assert.deepEqual(ids(await allPages(b!, 'q', 'ready', 3)), ids(listed), 'pages of 3 add up to the single page');
    const taken: Delivery[] = [];
    for (let d = await claimNext(a!, 'q', { leaseMs: LONG_LEASE_MS, timeoutMs: 0 }); d !== undefined; d = await claimNext(a!, 'q', { leaseMs: LONG_LEASE_MS, timeoutMs: 0 })) taken.push(d);
    assert.deepEqual(ids(listed), taken.map((d) => d.message.id), 'listed order = the order claims took them');
    assert.deepEqual(await b!.jobs('q', { state: 'ready' }), []);
  });

  test('ready items of different priorities are listed highest first, the order claims take them', ['listings', 'priorities'], async () => {
    const [a, b] = await h.clients(2);
    const [low, high, mid] = messages('list.prio', 3);
    // Sent lowest first: a listing in arrival (log) order instead of claim order would show them so.
    await a!.send('q', [{ message: low! }, { message: high!, priority: 9 }, { message: mid!, priority: 5 }]);
    const listed = await b!.jobs('q', { state: 'ready' });
    assert.deepEqual(ids(listed), [high!.id, mid!.id, low!.id], 'highest priority first');
    assert.deepEqual(listed.map((r) => r.priority), [9, 5, undefined]);
    const taken: string[] = [];
    for (let d = await claimNext(a!, 'q', { leaseMs: LONG_LEASE_MS, timeoutMs: 0 }); d !== undefined; d = await claimNext(a!, 'q', { leaseMs: LONG_LEASE_MS, timeoutMs: 0 })) taken.push(d.message.id);
    assert.deepEqual(taken, ids(listed), 'listed order = the order claims took them');
  });

  test('delayed items (sends and retries) are listed by due time, with their due times', ['listings', 'delayed'], async () => {
    const [a, b] = await h.clients(2);
    const now = Date.now();
    const [m1, m2, m3] = messages('list.delayed', 3);
    await a!.send('q', [
      { message: m1!, dueAt: now + 30_000 },
      { message: m2!, dueAt: now + 10_000 },
      { message: m3!, dueAt: now + 20_000 },
    ]);
    const retry = message('list.retry');
    await a!.send('q', [{ message: retry }]);
    const d = await mustClaim(a!, 'q', wait);
    assert.equal(await a!.nack(ref(d), { kind: 'retry', dueAt: now + 15_000, error: ERROR }), true);
    const listed = await b!.jobs('q', { state: 'delayed' });
    assert.deepEqual(ids(listed), [m2!.id, retry.id, m3!.id, m1!.id], 'by due time');
    assert.deepEqual(listed.map((r) => r.dueAt), [now + 10_000, now + 15_000, now + 20_000, now + 30_000]);
    assert.equal(listed[1]!.attempt, 1);
    assertSameMessage(listed[0]!.message, m2!);
    assert.deepEqual(ids(await b!.jobs('q', { state: 'delayed', offset: 1, limit: 2 })), [retry.id, m3!.id], 'offset 1, limit 2');
  });

  test('in-flight items are listed by lease end, from a client that holds none of them', ['listings'], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', messages('list.leased', 3).map((m) => ({ message: m })));
    const held: Delivery[] = [];
    for (const leaseMs of [3, 1, 2].map((k) => k * LONG_LEASE_MS)) held.push(await mustClaim(a!, 'q', { leaseMs, timeoutMs: timing.patienceMs }));
    const byEnd = [...held].sort((x, y) => x.leaseUntil - y.leaseUntil);
    const listed = await b!.jobs('q', { state: 'inFlight' });
    assert.deepEqual(ids(listed), byEnd.map((d) => d.message.id), 'by lease end');
    assert.deepEqual(listed.map((r) => r.leaseUntil), byEnd.map((d) => d.leaseUntil));
    assert.ok(listed.every((r) => r.state === 'inFlight' && r.attempt === 1));
  });

  test('failed items are listed most recent first, with their errors', ['listings', 'failedStore'], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', messages('list.failed', 3).map((m) => ({ message: m })));
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = await mustClaim(a!, 'q', wait);
      assert.equal(await a!.nack(ref(d), { kind: 'fail', error: { message: `failure ${i}` } }), true);
      order.push(d.message.id);
      // Failure times a few ms apart, so "most recent" is not a tie.
      await sleep(15);
    }
    const listed = await b!.jobs('q', { state: 'failed' });
    assert.deepEqual(ids(listed), [...order].reverse(), 'most recent first');
    assert.deepEqual(listed.map((r) => r.error?.message), ['failure 2', 'failure 1', 'failure 0']);
    assert.deepEqual(ids(await b!.jobs('q', { state: 'failed', offset: 2 })), [order[0]]);
  });

  test('each listing holds exactly its state, as many as stats counts', ['listings', 'delayed', 'failedStore'], async () => {
    const b = await h.client();
    const [r1, r2, f, l] = messages('list.mixed', 4);
    await b.send('q', [r1, r2, f, l].map((m) => ({ message: m! })));
    await b.send('q', [{ message: message('list.later'), dueAt: Date.now() + 60_000 }]);
    const claimed = [await mustClaim(b, 'q', { leaseMs: LONG_LEASE_MS, ...wait }), await mustClaim(b, 'q', { leaseMs: LONG_LEASE_MS, ...wait })];
    assert.equal(await b.nack(ref(claimed[0]!), { kind: 'fail', error: ERROR }), true);
    const stats = await b.stats('q');
    for (const state of ['ready', 'delayed', 'inFlight', 'failed'] as const) {
      const listed = await b.jobs('q', { state });
      assert.equal(listed.length, stats[state], `${state}: listed ${listed.length}, stats ${stats[state]}`);
      assert.ok(listed.every((r) => r.state === state), `${state}: ${inspect(listed.map((r) => r.state))}`);
    }
  });

  test('bad listing options are refused with a ValidationError', ['listings'], async () => {
    const b = await h.client();
    const bad: unknown[] = [undefined, {}, { state: 'bogus' }, { state: 'ready', limit: 0 }, { state: 'ready', limit: 1001 }, { state: 'ready', limit: 1.5 }, { state: 'ready', offset: -1 }, { state: 'ready', lmit: 5 }];
    for (const options of bad) {
      await assert.rejects(
        () => (b.jobs as (q: string, o: unknown) => Promise<unknown>).call(b, 'q', options),
        (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'),
        `jobs('q', ${inspect(options)}) was accepted`,
      );
    }
  });
});
