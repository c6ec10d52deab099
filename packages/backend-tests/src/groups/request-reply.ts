import assert from 'node:assert/strict';
import { isWrkrError, Wrkr, type Backend } from '@wrkr/core';
import { assertStats } from '../assertions';
import { eventually } from '../eventually';
import { defineGroup } from '../suite';

/**
 * 25. Request/reply through Wrkr over the backend: only a `respond` handler answers, a request with
 * `queue` reaches that queue alone, and a request nobody serves times out leaving every queue empty.
 */
export const requestReplyTests = defineGroup('25. request/reply', ({ h, timing, test }) => {
  const started: Wrkr[] = [];
  /** A started Wrkr (no worker registration, no scheduler) over a fresh client of the test's namespace. */
  async function wrkr(): Promise<{ w: Wrkr; b: Backend }> {
    const b = await h.client();
    const w = new Wrkr({ backend: b, worker: false, scheduler: false });
    await w.start();
    started.push(w);
    return { w, b };
  }
  async function stopAll(): Promise<void> {
    await Promise.all(started.splice(0).map((w) => w.stop({ timeout: '5s' })));
  }
  const timeout = timing.patienceMs;

  test('a catch-all subscriber beside a responder: every one of 100 requests gets the responder value', [], async () => {
    try {
      const audit = await wrkr();
      let audited = 0;
      await audit.w.subscribe('audit', '#', () => {
        audited++;
        return 'from the audit queue';
      }, { concurrency: 10 });
      const pricing = await wrkr();
      await pricing.w.respond('pricing', 'pricing.quote', (e) => ({ price: (e.data as { qty: number }).qty * 3 }), { concurrency: 10 });
      const requester = await wrkr();
      // 100 at once, each a publish, a claim, a reply send and an inbox claim: slow servers need longer than one patience.
      const replies = await Promise.all(Array.from({ length: 100 }, (_, qty) => requester.w.request('pricing.quote', { qty }, { timeout: timeout * 4 })));
      assert.deepEqual(replies, Array.from({ length: 100 }, (_, qty) => ({ price: qty * 3 })));
      await eventually(() => assert.equal(audited, 100, 'the audit queue got a copy of every request'), timeout);
    } finally {
      await stopAll();
    }
  });

  test('request with queue is sent to that one queue: another responder bound to the name never sees it', [], async () => {
    try {
      const a = await wrkr();
      let seenByA = 0;
      await a.w.respond('quotes-a', 'pricing.quote', () => {
        seenByA++;
        return 'a';
      });
      const b = await wrkr();
      await b.w.respond('quotes-b', 'pricing.quote', () => 'b');
      await b.w.respond('direct-only', null, () => 'direct');
      const requester = await wrkr();
      for (let i = 0; i < 10; i++) assert.equal(await requester.w.request('pricing.quote', { i }, { timeout, queue: 'quotes-b' }), 'b');
      assert.equal(await requester.w.request('pricing.quote', {}, { timeout, queue: 'direct-only' }), 'direct');
      assert.equal(seenByA, 0, 'quotes-a received a request sent to quotes-b');
      assertStats(await a.b.stats('quotes-a'), {}, 'quotes-a');
    } finally {
      await stopAll();
    }
  });

  test('a request no responder serves is a TimeoutError and leaves nothing behind in any queue', [], async () => {
    const checker = await h.client();
    try {
      const audit = await wrkr();
      await audit.w.subscribe('audit', '#', () => 'from the audit queue');
      const requester = await wrkr();
      const err = await requester.w.request('pricing.quote', { qty: 1 }, { timeout: Math.max(500, timing.settleMs * 5) }).catch((e: unknown) => e);
      assert.ok(isWrkrError(err, 'ERR_WRKR_TIMEOUT'), `expected a TimeoutError, got ${String(err)}`);
      await eventually(async () => {
        for (const q of await checker.queues()) assertStats(await checker.stats(q), {}, q);
      }, timeout);
    } finally {
      await stopAll();
    }
    assert.deepEqual((await checker.queues()).filter((q) => q !== 'audit'), [], 'the reply queue is gone after stop()');
  });
});
