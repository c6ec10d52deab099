import assert from 'node:assert/strict';
import { isWrkrError, type Backend, type Message, type Outgoing } from '@wrkr/core/backend';
import { assertStats } from '../assertions';
import { expectNothing, mustClaim, ref } from '../consume';
import { message } from '../fixtures';
import { defineGroup } from '../suite';

/** Messages named `prio.<label>` with the label in the body, so a failed order reads as labels. */
function labelled(labels: readonly string[]): Map<string, Message> {
  return new Map(labels.map((l) => [l, message('prio.job', { body: JSON.stringify(l) })]));
}

/** 26. Priorities: a higher priority is claimed first, FIFO by due time within one; retries and delays keep it. */
export const priorityTests = defineGroup('26. priorities', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };

  /** Claim `count` items one at a time (acking each) and return their labels in claim order. */
  const order = async (b: Backend, queue: string, count: number): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const d = await mustClaim(b, queue, wait);
      out.push(JSON.parse(d.message.body!) as string);
      assert.equal(await b.ack(ref(d)), true);
    }
    await expectNothing(b, queue, timing.settleMs, 'every item was claimed once');
    return out;
  };

  test('mixed priorities in one batch are claimed highest first, FIFO within a level', ['priorities'], async () => {
    const b = await h.client();
    const m = labelled(['0a', '5a', '0b', '9a', '5b', '0c', '1a']);
    const prio = (l: string) => Number(l[0]);
    await b.send('q', [...m].map(([l, msg]): Outgoing => (prio(l) === 0 ? { message: msg } : { message: msg, priority: prio(l) })));
    assert.deepEqual(await order(b, 'q', m.size), ['9a', '5a', '5b', '1a', '0a', '0b', '0c']);
  });

  test('priorities given in separate sends and publishes are claimed highest first, FIFO within a level', ['priorities'], async () => {
    const b = await h.client();
    await b.bind('q', 'prio.job');
    const m = labelled(['2a', '0a', '7a', '2b', '0b', '7b']);
    for (const [l, msg] of m) {
      const item: Outgoing = { message: msg, priority: Number(l[0]) };
      if (l[1] === 'a') await b.send('q', [item]);
      else await b.publish([item]);
    }
    assert.deepEqual(await order(b, 'q', m.size), ['7a', '7b', '2a', '2b', '0a', '0b']);
  });

  test('a retried or released item keeps its priority', ['priorities'], async () => {
    const b = await h.client();
    const m = labelled(['0a', '0b', '6a']);
    await b.send('q', [{ message: m.get('0a')! }, { message: m.get('0b')! }, { message: m.get('6a')!, priority: 6 }]);
    const first = await mustClaim(b, 'q', wait);
    assert.equal(first.message.id, m.get('6a')!.id, 'the priority 6 item comes first');
    assert.equal(await b.nack(ref(first), { kind: 'release' }), true);
    const released = await mustClaim(b, 'q', wait);
    assert.equal(released.message.id, m.get('6a')!.id, 'a released item is claimed before lower ones');
    assert.equal(await b.nack(ref(released), { kind: 'retry', dueAt: Date.now() + timing.settleMs }), true);
    await new Promise((r) => setTimeout(r, timing.settleMs + timing.dueToleranceMs));
    assert.deepEqual(await order(b, 'q', 3), ['6a', '0a', '0b'], 'a retry that came due is claimed before lower ones');
  });

  test('a delayed high-priority item overtakes ready low ones once due (sent and published)', ['priorities', 'delayed'], async () => {
    const b = await h.client();
    await b.bind('q', 'prio.job');
    const m = labelled(['0a', '0b', '0c', '8s', '9p']);
    await b.send('q', [{ message: m.get('0a')! }, { message: m.get('0b')! }, { message: m.get('0c')! }]);
    const dueAt = Date.now() + timing.settleMs;
    await b.send('q', [{ message: m.get('8s')!, dueAt, priority: 8 }]);
    await b.publish([{ message: m.get('9p')!, dueAt, priority: 9 }]);
    const early = await mustClaim(b, 'q', wait);
    assert.equal(early.message.id, m.get('0a')!.id, 'nothing is early: the ready low item comes first');
    assert.equal(await b.ack(ref(early)), true);
    await new Promise((r) => setTimeout(r, Math.max(0, dueAt - Date.now()) + timing.dueToleranceMs));
    assert.deepEqual(await order(b, 'q', 4), ['9p', '8s', '0b', '0c']);
  });

  test('a replayed item keeps its priority', ['priorities', 'failedStore'], async () => {
    const b = await h.client();
    const m = labelled(['0a', '0b', '3a']);
    await b.send('q', [{ message: m.get('3a')!, priority: 3 }]);
    const d = await mustClaim(b, 'q', wait);
    assert.equal(await b.nack(ref(d), { kind: 'fail', error: { message: 'boom' } }), true);
    await b.send('q', [{ message: m.get('0a')! }, { message: m.get('0b')! }]);
    assert.equal(await b.replay('q'), 1);
    assert.deepEqual(await order(b, 'q', 3), ['3a', '0a', '0b'], 'the replayed priority 3 item is claimed before older priority 0 ones');
  });

  test('the ready listing pages in take order, due delayed items at their level', ['priorities', 'listings', 'delayed'], async () => {
    const b = await h.client();
    const m = labelled(['0a', '4d', '2a', '0b', '4a', '2b']);
    // The ready ones first, so 4d's due time is after 4a was stored however slow the server is (sent the
    // other way round, a send slower than settleMs made 4d due before 4a was stored, and first by due time).
    await b.send('q', ['0a', '2a', '0b', '4a', '2b'].map((l): Outgoing => ({ message: m.get(l)!, priority: Number(l[0]) })));
    await b.send('q', [{ message: m.get('4d')!, priority: 4, dueAt: Date.now() + timing.settleMs }]);
    await new Promise((r) => setTimeout(r, timing.settleMs + timing.dueToleranceMs));
    const label = (id: string) => [...m].find(([, msg]) => msg.id === id)![0];
    const listed = (await b.jobs('q', { state: 'ready' })).map((j) => label(j.message.id));
    const expected = ['4a', '4d', '2a', '2b', '0a', '0b'];
    assert.deepEqual(listed, expected, 'listing order');
    const page = (await b.jobs('q', { state: 'ready', offset: 1, limit: 3 })).map((j) => label(j.message.id));
    assert.deepEqual(page, expected.slice(1, 4), 'a page of the listing');
    assert.deepEqual(await order(b, 'q', m.size), expected, 'claim order equals the listing');
  });

  test('job() and jobs() show an item\'s priority while it is ready, delayed, in flight or failed; the default shows none', ['priorities', 'jobLookup', 'listings', 'failedStore'], async () => {
    const b = await h.client();
    const [high, plain, later] = [message('prio.job'), message('prio.job'), message('prio.job')];
    await b.send('q', [{ message: high, priority: 7 }, { message: plain }, { message: later, priority: 3, dueAt: Date.now() + 60_000 }]);
    assert.equal((await b.job('q', high.id))?.priority, 7, 'ready');
    assert.equal((await b.job('q', plain.id))?.priority, undefined, 'the default 0 is not shown');
    assert.equal((await b.job('q', later.id))?.priority, 3, 'delayed');
    assert.deepEqual((await b.jobs('q', { state: 'ready', offset: 0, limit: 10 })).map((r) => [r.message.id, r.priority]), [[high.id, 7], [plain.id, undefined]]);
    assert.deepEqual((await b.jobs('q', { state: 'delayed', offset: 0, limit: 10 })).map((r) => r.priority), [3]);
    const d = await mustClaim(b, 'q', wait);
    assert.equal(d.message.id, high.id);
    assert.equal((await b.job('q', high.id))?.priority, 7, 'in flight');
    assert.deepEqual((await b.jobs('q', { state: 'inFlight', offset: 0, limit: 10 })).map((r) => r.priority), [7]);
    assert.equal(await b.nack(ref(d), { kind: 'fail', error: { message: 'x' } }), true);
    const failed = await b.job('q', high.id);
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.priority, 7, 'failed');
  });

  test('an invalid priority is refused with a ValidationError and nothing is stored', ['priorities'], async () => {
    const b = await h.client();
    await b.bind('q', 'prio.job');
    for (const priority of [-1, 10, 1.5, Number.NaN, '3']) {
      const good: Outgoing = { message: message('prio.job') };
      const bad = { message: message('prio.job'), priority } as unknown as Outgoing;
      for (const call of [() => b.send('q', [good, bad]), () => b.publish([good, bad]), () => b.publish([good, { ...bad, dueAt: Date.now() + 60_000 }])]) {
        await assert.rejects(call, (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'), `priority ${String(priority)} was accepted`);
      }
    }
    assertStats(await b.stats('q'), {}, 'q');
    await expectNothing(b, 'q', timing.settleMs, 'refused batches store nothing');
  });
});
