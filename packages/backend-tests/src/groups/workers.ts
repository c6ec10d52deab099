import assert from 'node:assert/strict';
import { assertBetween, plain, CLOCK_SLACK_MS } from '../assertions';
import { sleep } from '../eventually';
import { defineGroup } from '../suite';

/** 14. Worker registry: register, heartbeat, listing, duplicate ids refused, expiry, unregister. */
export const workerTests = defineGroup('14. worker registry', ({ h, timing, test }) => {
  const ttl = timing.leaseMs;
  const meta = { host: 'box-1', pid: 4242, queues: ['a', 'b'], nested: { v: '1.0' } };

  test('registerWorker lists the worker with its meta, start, heartbeat and expiry times', ['workers'], async () => {
    const [a, b] = await h.clients(2);
    const before = Date.now();
    assert.equal(await a!.registerWorker('w1', 'inst-a', meta, 60_000), true);
    const after = Date.now();
    const [w, ...rest] = await b!.workers();
    assert.equal(rest.length, 0);
    assert.ok(w);
    assert.equal(w.id, 'w1');
    assert.deepEqual(plain(w.meta), meta);
    assertBetween(w.startedAt, before - CLOCK_SLACK_MS, after + CLOCK_SLACK_MS, 'startedAt');
    assertBetween(w.heartbeatAt, before - CLOCK_SLACK_MS, after + CLOCK_SLACK_MS, 'heartbeatAt');
    assertBetween(w.expiresAt, before + 60_000 - CLOCK_SLACK_MS, after + 60_000 + CLOCK_SLACK_MS, 'expiresAt');
  });

  test('a live id is refused to another instance, and re-registering by the same instance succeeds', ['workers'], async () => {
    const [a, b] = await h.clients(2);
    assert.equal(await a!.registerWorker('w1', 'inst-a', { who: 'a' }, 60_000), true);
    assert.equal(await b!.registerWorker('w1', 'inst-b', { who: 'b' }, 60_000), false);
    assert.equal(await a!.registerWorker('w1', 'inst-a', { who: 'a' }, 60_000), true);
    const listed = await a!.workers();
    assert.deepEqual(plain(listed.map((w) => [w.id, w.meta])), [['w1', { who: 'a' }]]);
    assert.equal(await b!.heartbeat('w1', 'inst-b', 60_000), false, 'heartbeat by an instance that does not hold the id');
  });

  test('heartbeat extends the registration past its first ttl and updates meta when given', ['workers'], async () => {
    const b = await h.client();
    assert.equal(await b.registerWorker('w1', 'inst-a', { v: 1 }, ttl), true);
    const until = Date.now() + ttl * 2.5;
    while (Date.now() < until) {
      await sleep(ttl / 4);
      assert.equal(await b.heartbeat('w1', 'inst-a', ttl), true);
    }
    const [w] = await b.workers();
    assert.equal(w?.id, 'w1', 'still listed after 2.5 ttl thanks to heartbeats');
    assert.deepEqual(plain(w.meta), { v: 1 }, 'meta kept when a heartbeat gives none');
    assert.ok(w.expiresAt >= Date.now() + ttl / 2, 'expiresAt moved forward');
    assert.equal(await b.heartbeat('w1', 'inst-a', 60_000, { v: 2 }), true);
    assert.deepEqual(plain((await b.workers())[0]?.meta), { v: 2 });
  });

  test('an expired registration is no longer listed, frees the id for another instance, and its old heartbeat fails', ['workers'], async () => {
    const [a, b] = await h.clients(2);
    const registeredAt = Date.now();
    assert.equal(await a!.registerWorker('w1', 'inst-a', {}, ttl), true);
    assert.equal(await b!.registerWorker('w2', 'inst-b', {}, 60_000), true);
    assert.deepEqual((await b!.workers()).map((w) => w.id).sort(), ['w1', 'w2']);
    await sleep(registeredAt + ttl + timing.dueToleranceMs - Date.now());
    assert.deepEqual((await b!.workers()).map((w) => w.id), ['w2'], 'expired worker still listed');
    assert.equal(await b!.registerWorker('w1', 'inst-b', { now: 'b' }, 60_000), true);
    assert.equal(await a!.heartbeat('w1', 'inst-a', 60_000), false, 'the id was taken over');
    assert.deepEqual((await a!.workers()).map((w) => w.id).sort(), ['w1', 'w2']);
  });

  test('unregisterWorker removes it; another instance cannot unregister it', ['workers'], async () => {
    const [a, b] = await h.clients(2);
    assert.equal(await a!.registerWorker('w1', 'inst-a', {}, 60_000), true);
    await b!.unregisterWorker('w1', 'inst-b');
    assert.deepEqual((await b!.workers()).map((w) => w.id), ['w1'], 'unregister by another instance changes nothing');
    await a!.unregisterWorker('w1', 'inst-a');
    assert.deepEqual(plain(await b!.workers()), []);
    assert.equal(await b!.registerWorker('w1', 'inst-b', {}, 60_000), true, 'the id is free again');
    await a!.unregisterWorker('w1', 'inst-a');
  });
});
