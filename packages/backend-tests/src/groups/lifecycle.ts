import assert from 'node:assert/strict';
import { isWrkrError, type Backend, type LifecycleEvent } from '@wrkr/core/backend';
import { eventually, sleep } from '../eventually';
import { uniqueId } from '../fixtures';
import { defineGroup } from '../suite';

/** A collecting watcher of one queue in one client. */
async function watcher(client: Backend, queue: string): Promise<{ seen: LifecycleEvent[]; close: () => Promise<void> }> {
  const seen: LifecycleEvent[] = [];
  const sub = await client.watchLifecycle(queue, (e) => seen.push(e));
  return { seen, close: () => sub.close() };
}

/** One item's whole life, as a consumer publishes it: started, progress, retrying, started again, completed. */
function life(queue: string, id: string, at: number): LifecycleEvent[] {
  return [
    { kind: 'active', queue, id, name: 'job.run', attempt: 1, at },
    { kind: 'progress', queue, id, name: 'job.run', attempt: 1, at: at + 1, progress: JSON.stringify({ done: 1, of: 2, note: 'résumé ✓' }) },
    { kind: 'retrying', queue, id, name: 'job.run', attempt: 1, at: at + 2, dueAt: at + 1000, error: { message: 'boom', name: 'Error', code: 'E_BOOM' } },
    { kind: 'active', queue, id, name: 'job.run', attempt: 2, at: at + 1001 },
    { kind: 'completed', queue, id, name: 'job.run', attempt: 2, at: at + 1002, result: '{"ok":true}' },
  ];
}

/**
 * 29. Lifecycle events: what one client publishes about a queue's items reaches the watchers of that
 * queue in every other client, whole and in order, and nobody else; the counters are durable and
 * read alike by every client. Delivery is live and best-effort, so a watcher only expects what was
 * published after its subscription resolved.
 */
export const lifecycleTests = defineGroup('29. lifecycle events', ({ h, timing, test }) => {
  test('a watcher in another client sees every kind of event of its queue, whole and in order, and none of another queue', ['lifecycleEvents'], async () => {
    const [a, b, c] = await h.clients(3);
    const w = await watcher(b!, 'q');
    const other = await watcher(c!, 'other');
    const id = uniqueId();
    const events = life('q', id, Date.now());
    // One batch across two queues, as a consumer hands over what one turn produced.
    await a!.publishLifecycle([...events, { kind: 'failed', queue: 'other', id: uniqueId(), name: 'job.other', attempt: 3, at: Date.now(), error: { message: 'gave up' } }]);
    await eventually(() => assert.equal(w.seen.length, events.length, `watcher of q saw ${w.seen.length} of ${events.length}`), timing.patienceMs);
    assert.deepEqual(w.seen, events, 'every field, in publish order');
    await eventually(() => assert.equal(other.seen.length, 1, 'the watcher of the other queue saw its event'), timing.patienceMs);
    assert.equal(other.seen[0]!.kind, 'failed');
    assert.deepEqual(other.seen[0]!.error, { message: 'gave up' });
    await sleep(timing.settleMs);
    assert.equal(w.seen.length, events.length, 'the event of the other queue did not reach the watcher of q');
    await w.close();
    await other.close();
  });

  test('every watcher of a queue gets each event, the publishing client included; a closed watcher gets no more', ['lifecycleEvents'], async () => {
    const [a, b] = await h.clients(2);
    const inB = await watcher(b!, 'q');
    const inA = await watcher(a!, 'q');
    const closing = await watcher(b!, 'q');
    await a!.publishLifecycle([{ kind: 'active', queue: 'q', id: uniqueId(), name: 'first', attempt: 1, at: Date.now() }]);
    await eventually(() => assert.deepEqual([inA.seen.length, inB.seen.length, closing.seen.length], [1, 1, 1]), timing.patienceMs);
    await closing.close();
    await closing.close();
    await b!.publishLifecycle([{ kind: 'active', queue: 'q', id: uniqueId(), name: 'second', attempt: 1, at: Date.now() }]);
    await eventually(() => assert.deepEqual([inA.seen.length, inB.seen.length], [2, 2]), timing.patienceMs);
    await sleep(timing.settleMs);
    assert.equal(closing.seen.length, 1, 'a closed watcher got an event');
    await inA.close();
    await inB.close();
  });

  test('counters count completed, failed and retrying per queue, durably, read alike by every client', ['lifecycleEvents'], async () => {
    const [a, b, c] = await h.clients(3);
    assert.deepEqual(await b!.counters('q'), { completed: 0, failed: 0, retried: 0 }, 'an unknown queue counts nothing');
    const before = Date.now();
    for (const e of life('q', uniqueId(), Date.now())) await a!.publishLifecycle([e]);
    await b!.publishLifecycle([
      { kind: 'failed', queue: 'q', id: uniqueId(), name: 'job.run', attempt: 2, at: Date.now(), error: { message: 'x' } },
      { kind: 'completed', queue: 'q', id: uniqueId(), name: 'job.run', attempt: 1, at: Date.now() },
    ]);
    await a!.publishLifecycle([]);
    await a!.publishLifecycle([{ kind: 'completed', queue: 'other', id: uniqueId(), name: 'job.run', attempt: 1, at: Date.now() }]);
    const counted = await c!.counters('q');
    assert.deepEqual({ ...counted, since: undefined }, { completed: 2, failed: 1, retried: 1, since: undefined }, 'active and progress are not counted');
    assert.ok(counted.since !== undefined && counted.since >= before - 1000 && counted.since <= Date.now() + 1000, `since ${String(counted.since)} is when counting began`);
    assert.deepEqual({ ...(await a!.counters('other')), since: undefined }, { completed: 1, failed: 0, retried: 0, since: undefined });
    await a!.deleteQueue('q');
    assert.deepEqual(await c!.counters('q'), { completed: 0, failed: 0, retried: 0 }, 'deleteQueue resets the counters');
  });

  test('counters survive a new client instance', ['lifecycleEvents', 'persistent'], async () => {
    const a = await h.client();
    await a.publishLifecycle([{ kind: 'completed', queue: 'q', id: uniqueId(), name: 'job.run', attempt: 1, at: Date.now() }]);
    await a.close();
    const fresh = await h.client();
    assert.equal((await fresh.counters('q')).completed, 1);
  });

  test('bad events, queue names and listeners are refused with a ValidationError', ['lifecycleEvents'], async () => {
    const b = await h.client();
    const good: LifecycleEvent = { kind: 'active', queue: 'q', id: uniqueId(), name: 'job.run', attempt: 1, at: Date.now() };
    const bad: unknown[] = [
      { ...good, kind: 'exploded' },
      { ...good, queue: '' },
      { ...good, attempt: 0 },
      { ...good, kind: 'progress' },
      { ...good, kind: 'progress', progress: 'not json' },
      { ...good, kind: 'failed' },
      { ...good, kind: 'retrying', error: { message: 'x' } },
      { ...good, result: '1' },
      { ...good, extra: true },
    ];
    for (const e of bad) await assert.rejects(b.publishLifecycle([e as LifecycleEvent]), (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'), JSON.stringify(e));
    // A bad event anywhere in a batch refuses the whole batch: the good one before it is not counted.
    const counted: LifecycleEvent = { kind: 'completed', queue: 'q', id: uniqueId(), name: 'job.run', attempt: 1, at: Date.now() };
    await assert.rejects(b.publishLifecycle([counted, bad[0] as LifecycleEvent]), (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'));
    await assert.rejects(b.publishLifecycle(good as never), (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'), 'one event, not in an array');
    await assert.rejects(b.watchLifecycle('bad queue\n', () => undefined), (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'));
    await assert.rejects(b.watchLifecycle('q', 'nope' as never), (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'));
    await assert.rejects(b.counters(''), (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'));
    assert.deepEqual(await b.counters('q'), { completed: 0, failed: 0, retried: 0 }, 'nothing was counted');
  });
});
