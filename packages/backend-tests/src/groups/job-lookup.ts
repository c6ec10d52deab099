import assert from 'node:assert/strict';
import type { FailureInfo, JobRecord } from '@wrkr/core/backend';
import { assertSameMessage } from '../assertions';
import { LONG_LEASE_MS, mustClaim, ref } from '../consume';
import { eventually } from '../eventually';
import { message } from '../fixtures';
import { defineGroup } from '../suite';

const ERROR: FailureInfo = { message: 'downstream said no', name: 'Error', code: 'E_NO' };

function found(record: JobRecord | undefined, what: string): JobRecord {
  assert.ok(record !== undefined, `${what}: job() found nothing`);
  return record;
}

/** 21. Job lookup: `job(queue, id)` tells where an item is, from any client, in every state. */
export const jobLookupTests = defineGroup('21. job lookup', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };

  test('a ready item, seen from another client: state ready, attempt 0, the message as sent', ['jobLookup'], async () => {
    const [a, b] = await h.clients(2);
    const sent = message('job.look', { tid: 't-1', headers: { trace: 'x' }, body: '{"n":1}' });
    await a!.send('q', [{ message: sent }]);
    const job = found(await b!.job('q', sent.id), 'ready');
    assert.equal(job.state, 'ready');
    assert.equal(job.queue, 'q');
    assert.equal(job.attempt, 0);
    assert.equal(job.dueAt, undefined);
    assert.equal(job.leaseUntil, undefined);
    assertSameMessage(job.message, sent);
  });

  test('an unknown id, or a known id asked of another queue, is undefined', ['jobLookup'], async () => {
    const b = await h.client();
    const sent = message('job.look');
    await b.send('q', [{ message: sent }]);
    assert.equal(await b.job('q', 'no-such-id'), undefined);
    assert.equal(await b.job('other', sent.id), undefined);
  });

  test('a delayed item: state delayed with its due time; ready once due', ['jobLookup', 'delayed'], async () => {
    const [a, b] = await h.clients(2);
    const sent = message('job.look');
    const dueAt = Date.now() + 400;
    await a!.send('q', [{ message: sent, dueAt }]);
    const job = found(await b!.job('q', sent.id), 'delayed');
    assert.equal(job.state, 'delayed');
    assert.equal(job.dueAt, dueAt);
    await eventually(async () => assert.equal((await b!.job('q', sent.id))?.state, 'ready'), 400 + timing.dueToleranceMs + timing.patienceMs);
  });

  test('an item leased by one client is inFlight for another, with its lease end, and follows extend', ['jobLookup'], async () => {
    const [a, b] = await h.clients(2);
    const sent = message('job.look');
    await a!.send('q', [{ message: sent }]);
    const d = await mustClaim(a!, 'q', { leaseMs: LONG_LEASE_MS, timeoutMs: timing.patienceMs });
    const job = found(await b!.job('q', sent.id), 'in flight');
    assert.equal(job.state, 'inFlight');
    assert.equal(job.attempt, 1);
    assert.equal(job.leaseUntil, d.leaseUntil);
    assert.equal(await a!.extend(ref(d), 2 * LONG_LEASE_MS), true);
    const extended = found(await b!.job('q', sent.id), 'extended');
    assert.ok((extended.leaseUntil ?? 0) > d.leaseUntil, `leaseUntil ${extended.leaseUntil} after extend, was ${d.leaseUntil}`);
  });

  test('an expired lease is ready again, its attempt kept', ['jobLookup'], async () => {
    const b = await h.client();
    const sent = message('job.look');
    await b.send('q', [{ message: sent }]);
    await mustClaim(b, 'q', { leaseMs: timing.leaseMs, timeoutMs: timing.patienceMs });
    await eventually(async () => {
      const job = found(await b.job('q', sent.id), 'expired');
      assert.equal(job.state, 'ready');
      assert.equal(job.attempt, 1);
    }, timing.leaseMs + timing.dueToleranceMs + timing.patienceMs);
  });

  test('a nacked item waiting for its retry is delayed until the retry time, with the error when kept', ['jobLookup'], async () => {
    const [a, b] = await h.clients(2);
    const sent = message('job.look');
    await a!.send('q', [{ message: sent }]);
    const d = await mustClaim(a!, 'q', wait);
    const dueAt = Date.now() + 60_000;
    assert.equal(await a!.nack(ref(d), { kind: 'retry', dueAt, error: ERROR }), true);
    const job = found(await b!.job('q', sent.id), 'retrying');
    assert.equal(job.state, 'delayed');
    assert.equal(job.dueAt, dueAt);
    assert.equal(job.attempt, 1);
    if (job.error !== undefined) assert.equal(job.error.message, ERROR.message);
  });

  test('a failed item: state failed with its error and attempt; an acked item is gone', ['jobLookup', 'failedStore'], async () => {
    const [a, b] = await h.clients(2);
    const bad = message('job.bad');
    const good = message('job.good');
    await a!.send('q', [{ message: bad }, { message: good }]);
    for (let i = 0; i < 2; i++) {
      const d = await mustClaim(a!, 'q', wait);
      if (d.message.id === bad.id) assert.equal(await a!.nack(ref(d), { kind: 'fail', error: ERROR }), true);
      else assert.equal(await a!.ack(ref(d)), true);
    }
    const job = found(await b!.job('q', bad.id), 'failed');
    assert.equal(job.state, 'failed');
    assert.equal(job.attempt, 1);
    assert.equal(job.error?.message, ERROR.message);
    assert.equal(job.error?.code, ERROR.code);
    assertSameMessage(job.message, bad);
    assert.equal(await b!.job('q', good.id), undefined, 'items acked without keep are deleted');
  });
});
