import assert from 'node:assert/strict';
import { isWrkrError, Wrkr, type Backend, type WrkrErrorCode } from '@wrkr/core';
import { assertStats, plain } from '../assertions';
import { expectNothing } from '../consume';
import { defineGroup } from '../suite';

/** Assert `call` rejects with a wrkr error of `code`. */
async function rejectsWith(call: () => Promise<unknown>, code: WrkrErrorCode, what: string): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(isWrkrError(err, code), `${what}: expected ${code}, got ${String(err)}`);
    return true;
  });
}

/** Assert the namespace holds nothing but the catch-all binding of queue `all`. */
async function assertNothingStored(b: Backend, settleMs: number): Promise<void> {
  assert.deepEqual(plain(await b.queues()), ['all'], 'no queue was created');
  assert.deepEqual(plain(await b.bindings()), [{ queue: 'all', pattern: '#' }], 'no binding was added');
  assertStats(await b.stats('all'), {}, 'all');
  await expectNothing(b, 'all', settleMs, 'a refused call stores nothing');
}

/** 15. Bad input is refused by core with typed errors before anything reaches the backend. */
export const invalidInputTests = defineGroup('15. invalid input refused, nothing stored', ({ h, timing, test }) => {
  /** A started Wrkr over a fresh client, with a catch-all queue to observe anything that slips through. */
  async function wrkrOver(maxPayloadBytes?: number): Promise<{ wrkr: Wrkr; b: Backend }> {
    const b = await h.client();
    await b.bind('all', '#');
    const wrkr = new Wrkr({ backend: b, worker: false, scheduler: false, ...(maxPayloadBytes ? { maxPayloadBytes } : {}) });
    await wrkr.start();
    return { wrkr, b };
  }

  test('publish with an empty or malformed name is refused with ValidationError and stores nothing', [], async () => {
    const { wrkr, b } = await wrkrOver();
    for (const name of ['', 'a..b', '.a', 'a.', 'a b', 'a.*', 'a.#', 'ünï.code', 'x'.repeat(256)]) {
      await rejectsWith(() => wrkr.publish({ name }), 'ERR_WRKR_VALIDATION', `name ${JSON.stringify(name.slice(0, 20))}`);
    }
    await assertNothingStored(b, timing.settleMs);
  });

  test('a batch with one bad event is refused as a whole: none of it is stored', [], async () => {
    const { wrkr, b } = await wrkrOver();
    await rejectsWith(() => wrkr.publish([{ name: 'good.one', data: 1 }, { name: 'good.two' }, { name: 'bad..three' }]), 'ERR_WRKR_VALIDATION', 'batch publish');
    await rejectsWith(() => wrkr.send('all', [{ name: 'good.one' }, { name: 'good.two', data: { when: new Date() } }]), 'ERR_WRKR_VALIDATION', 'batch send');
    await assertNothingStored(b, timing.settleMs);
  });

  test('data that is not plain JSON, bad headers, ids and due times are refused with ValidationError', [], async () => {
    const { wrkr, b } = await wrkrOver();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: Array<[string, Record<string, unknown>]> = [
      ['NaN data', { data: { n: Number.NaN } }],
      ['function data', { data: { f: () => 1 } }],
      ['Date data', { data: new Date() }],
      ['Map data', { data: new Map() }],
      ['cyclic data', { data: cyclic }],
      ['non-string header', { headers: { n: 1 } }],
      ['id with a space', { id: 'has space' }],
      ['empty id', { id: '' }],
      ['unparseable when', { when: 'whenever you like' }],
      ['unknown key', { nmae: 'typo' }],
    ];
    for (const [what, extra] of bad) {
      await rejectsWith(() => wrkr.publish({ name: 'ok.name', ...extra } as never), 'ERR_WRKR_VALIDATION', what);
    }
    await assertNothingStored(b, timing.settleMs);
  });

  test('bad queue names and patterns are refused with ValidationError and create nothing', [], async () => {
    const { wrkr, b } = await wrkrOver();
    for (const queue of ['', ' q', '.q', 'q with space', 'q/x', 'x'.repeat(256)]) {
      await rejectsWith(() => wrkr.send(queue, { name: 'ok.name' }), 'ERR_WRKR_VALIDATION', `send to ${JSON.stringify(queue.slice(0, 20))}`);
      await rejectsWith(() => wrkr.bind(queue, 'ok.name'), 'ERR_WRKR_VALIDATION', `bind ${JSON.stringify(queue.slice(0, 20))}`);
    }
    for (const pattern of ['', 'a..b', 'a.b*', 'a.#b', 'a b']) {
      await rejectsWith(() => wrkr.bind('q', pattern), 'ERR_WRKR_VALIDATION', `pattern ${JSON.stringify(pattern)}`);
    }
    await rejectsWith(() => wrkr.bind('q', ['ok.one', 'bad..two']), 'ERR_WRKR_VALIDATION', 'a list with one bad pattern');
    await assertNothingStored(b, timing.settleMs);
  });

  test('a payload over maxPayloadBytes is refused with PayloadTooLargeError and stores nothing', [], async () => {
    const { wrkr, b } = await wrkrOver(1024);
    await rejectsWith(() => wrkr.publish({ name: 'big.one', data: 'x'.repeat(2048) }), 'ERR_WRKR_PAYLOAD_TOO_LARGE', 'oversized publish');
    await rejectsWith(() => wrkr.send('all', [{ name: 'small.one' }, { name: 'big.one', data: 'x'.repeat(2048) }]), 'ERR_WRKR_PAYLOAD_TOO_LARGE', 'batch with one oversized event');
    await assertNothingStored(b, timing.settleMs);
  });
});
