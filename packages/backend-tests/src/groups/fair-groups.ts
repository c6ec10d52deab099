import assert from 'node:assert/strict';
import { isWrkrError, type Backend, type Delivery, type Message, type Outgoing } from '@wrkr/core/backend';
import { expectNothing, LONG_LEASE_MS, mustClaim, ref } from '../consume';
import { sleep } from '../eventually';
import { chunks, message } from '../fixtures';
import { mostStartsWithin, type Start } from '../starts';
import { defineGroup } from '../suite';

/** Items of one tenant (header `tenant`, absent for `undefined`), each body its label `<tenant><n>`. */
function tenantItems(tenant: string | undefined, count: number, extra: Partial<Message> = {}): Outgoing[] {
  return Array.from({ length: count }, (_, i) => ({
    message: message('fair.job', { body: JSON.stringify(`${tenant ?? '-'}${i}`), ...(tenant !== undefined && { headers: { tenant } }), ...extra }),
  }));
}

/** The label of a delivery (`<tenant><n>`). */
const label = (d: Delivery): string => JSON.parse(d.message.body!) as string;

/** The tenant of a delivery, `-` for none. */
const tenantOf = (d: Delivery): string => d.message.headers?.tenant ?? '-';

/** How many of the deliveries each tenant got. */
function perTenant(got: readonly Delivery[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of got) out[tenantOf(d)] = (out[tenantOf(d)] ?? 0) + 1;
  return out;
}

/**
 * 32. Fair groups: a queue's items grouped by `tid` or a header, each group held to its own concurrency
 * and sliding-window rate by the claims of every client together, and groups served in turn, so one
 * group's backlog never starves another; a held-back item uses no attempt and a waiting claim is served
 * when its group frees up.
 */
export const fairGroupTests = defineGroup('32. fair groups', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };
  // A waiting claim must be served about as soon as the slot frees, not at some later poll.
  const soonMs = Math.max(1000, 10 * timing.dueToleranceMs);

  /** Claim everything claimable now, in one call of up to `max` items. */
  const claimNow = (b: Backend, max = 50): Promise<Delivery[]> => b.claim('q', { max, leaseMs: LONG_LEASE_MS, waitMs: 0 });

  test('three clients claiming together never hold more than the group concurrency of any group; no attempt is used up', ['fairGroups'], async () => {
    const clients = await h.clients(3);
    await clients[1]!.setQueueLimits('q', { group: { by: 'tenant', concurrency: 2 } });
    const items = [...tenantItems('a', 12), ...tenantItems('b', 12)];
    await clients[0]!.send('q', items);
    const inFlight: Record<string, number> = { a: 0, b: 0 };
    const most: Record<string, number> = { a: 0, b: 0 };
    let total = 0;
    let mostTotal = 0;
    let done = 0;
    const attempts = new Set<number>();
    // Two loops per client, each asking for three items: without a shared per-group cap up to 18 would be held.
    const loop = async (b: Backend): Promise<void> => {
      while (done < items.length) {
        const got = await b.claim('q', { max: 3, leaseMs: LONG_LEASE_MS, waitMs: 200 });
        for (const d of got) {
          const t = tenantOf(d);
          inFlight[t] = inFlight[t]! + 1;
          most[t] = Math.max(most[t]!, inFlight[t]!);
          attempts.add(d.attempt);
        }
        total += got.length;
        mostTotal = Math.max(mostTotal, total);
        await sleep(30);
        for (const d of got) {
          inFlight[tenantOf(d)]!--;
          total--;
          assert.equal(await b.ack(ref(d)), true);
          done++;
        }
      }
    };
    await Promise.all(clients.flatMap((b) => [loop(b), loop(b)]));
    assert.ok(most.a! <= 2 && most.b! <= 2, `at most 2 items of a group in flight across the clients, saw a: ${most.a}, b: ${most.b}`);
    assert.ok(mostTotal >= 3, `each group has its own allowance: the two groups together held ${mostTotal} at most`);
    assert.deepEqual([...attempts], [1], 'every item was delivered on its first attempt');
  });

  test('a group rate is never exceeded in any window by three clients together, and each group keeps its own allowance', ['fairGroups'], async () => {
    const clients = await h.clients(3);
    const per = 1000;
    await clients[0]!.setQueueLimits('q', { group: { by: 'tenant', rate: { max: 5, per } } });
    await clients[1]!.send('q', [...tenantItems('a', 40), ...tenantItems('b', 40)]);
    const starts: Record<string, Start[]> = { a: [], b: [] };
    const until = Date.now() + 3 * per;
    const loop = async (b: Backend): Promise<void> => {
      while (Date.now() < until) {
        const before = Date.now();
        const got = await b.claim('q', { max: 3, leaseMs: LONG_LEASE_MS, waitMs: Math.max(0, until - Date.now()) });
        const after = Date.now();
        for (const d of got) {
          starts[tenantOf(d)]!.push({ before, after });
          assert.equal(await b.ack(ref(d)), true);
        }
      }
    };
    await Promise.all(clients.map(loop));
    for (const t of ['a', 'b']) {
      const most = mostStartsWithin(starts[t]!, per);
      assert.ok(most <= 5, `at most 5 starts of group ${t} in any ${per} ms, saw ${most}`);
      assert.ok(starts[t]!.length >= 10, `group ${t} kept being served: ${starts[t]!.length} starts in ${3 * per} ms`);
    }
  });

  test('a group with 10,000 waiting items delays another group\'s one item by at most one turn', ['fairGroups'], async () => {
    const b = await h.client();
    await b.setQueueLimits('q', { group: { by: 'tenant', concurrency: 100 } });
    for (const batch of chunks(tenantItems('big', 10_000), 1000)) await b.send('q', batch);
    for (let i = 0; i < 3; i++) assert.equal(await b.ack(ref(await mustClaim(b, 'q', wait))), true);
    const [small] = tenantItems('small', 1);
    await b.send('q', [small!]);
    const next: string[] = [];
    for (let i = 0; i < 2; i++) {
      const d = await mustClaim(b, 'q', wait);
      next.push(label(d));
      assert.equal(await b.ack(ref(d)), true);
    }
    assert.ok(next.includes('small0'), `the small group's item is among the next two claims, got ${next.join(', ')}`);
  });

  test('groups are served round-robin: each turn takes one item of every group with a claimable item, FIFO within a group', ['fairGroups'], async () => {
    const b = await h.client();
    await b.setQueueLimits('q', { group: { by: 'tenant', concurrency: 10 } });
    await b.send('q', [...tenantItems('a', 3), ...tenantItems('b', 3), ...tenantItems('c', 3)]);
    const order: Delivery[] = [];
    for (let i = 0; i < 9; i++) {
      const d = await mustClaim(b, 'q', wait);
      order.push(d);
      assert.equal(await b.ack(ref(d)), true);
    }
    const labels = order.map(label).join(' ');
    assert.deepEqual(new Set(order.slice(0, 3).map(tenantOf)), new Set(['a', 'b', 'c']), `the first turn takes one of each group: ${labels}`);
    for (let i = 3; i < 9; i++) assert.equal(tenantOf(order[i]!), tenantOf(order[i - 3]!), `the groups take turns in a fixed cycle: ${labels}`);
    for (const t of ['a', 'b', 'c']) {
      assert.deepEqual(order.filter((d) => tenantOf(d) === t).map(label), [0, 1, 2].map((n) => `${t}${n}`), `group ${t} in FIFO order: ${labels}`);
    }
  });

  test('one claim of several items takes them in turn across the groups', ['fairGroups'], async () => {
    const b = await h.client();
    await b.setQueueLimits('q', { group: { by: 'tenant', concurrency: 10 } });
    await b.send('q', [...tenantItems('a', 4), ...tenantItems('b', 4), ...tenantItems('c', 1)]);
    const got = await claimNow(b, 6);
    const counts = perTenant(got);
    assert.equal(got.length, 6);
    assert.equal(counts.c, 1, `the group with one item gets it in the first turn: ${got.map(label).join(' ')}`);
    assert.deepEqual([counts.a, counts.b].sort(), [2, 3], `the other two groups alternate: ${got.map(label).join(' ')}`);
  });

  test('within a group items are taken by priority, then FIFO', ['fairGroups', 'priorities'], async () => {
    const b = await h.client();
    await b.setQueueLimits('q', { group: { by: 'tenant', concurrency: 1 } });
    const [low1, low2, high] = tenantItems('a', 3);
    await b.send('q', [low1!, low2!, { ...high!, priority: 5 }]);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = await mustClaim(b, 'q', wait);
      order.push(label(d));
      assert.equal(await b.ack(ref(d)), true);
    }
    assert.deepEqual(order, ['a2', 'a0', 'a1']);
  });

  test('grouping by a header: each header value is a group with its own concurrency', ['fairGroups'], async () => {
    const b = await h.client();
    await b.setQueueLimits('q', { group: { by: 'tenant', concurrency: 1 } });
    await b.send('q', [...tenantItems('a', 2, { tid: 'same' }), ...tenantItems('b', 2, { tid: 'same' })]);
    const got = await claimNow(b);
    assert.deepEqual(perTenant(got), { a: 1, b: 1 }, `one item of each tenant, whatever the tid: ${got.map(label).join(' ')}`);
    await expectNothing(b, 'q', timing.settleMs, 'each tenant has one in flight');
    assert.equal(await b.ack(ref(got[0]!)), true);
    const next = await mustClaim(b, 'q', wait);
    assert.equal(tenantOf(next), tenantOf(got[0]!), 'the freed group is served next');
  });

  test('grouping by tid: each tid is a group with its own concurrency', ['fairGroups'], async () => {
    const b = await h.client();
    await b.setQueueLimits('q', { group: { by: 'tid', concurrency: 1 } });
    // The tenant header is the same everywhere, so only the tid can split them.
    await b.send('q', [...tenantItems('x', 2, { tid: 't1' }), ...tenantItems('x', 2, { tid: 't2' })]);
    const got = await claimNow(b);
    assert.deepEqual(got.map((d) => d.message.tid).sort(), ['t1', 't2'], 'one item of each tid');
    await expectNothing(b, 'q', timing.settleMs, 'each tid has one in flight');
  });

  test("items without a group value (no header, or an empty one) form the group ''", ['fairGroups'], async () => {
    const b = await h.client();
    await b.setQueueLimits('q', { group: { by: 'tenant', concurrency: 1 } });
    await b.send('q', [...tenantItems(undefined, 2), ...tenantItems('', 1), ...tenantItems('x', 1)]);
    const got = await claimNow(b);
    assert.equal(got.length, 2, `one item of group '' and the item of group x: ${got.map(label).join(' ')}`);
    assert.equal(got.filter((d) => tenantOf(d) === 'x').length, 1);
    await expectNothing(b, 'q', timing.settleMs, "group '' has one in flight");
    const ungrouped = got.find((d) => tenantOf(d) !== 'x')!;
    assert.equal(await b.ack(ref(ungrouped)), true);
    const next = await mustClaim(b, 'q', wait);
    assert.notEqual(tenantOf(next), 'x', "the next item of group '' is served once its slot frees");
  });

  test('a claim waiting on a full group in another client is served soon after the slot frees, on its first attempt', ['fairGroups'], async () => {
    const [a, b] = await h.clients(2);
    await a!.setQueueLimits('q', { group: { by: 'tenant', concurrency: 1 } });
    await a!.send('q', tenantItems('a', 2));
    const held = await mustClaim(a!, 'q', wait);
    const waiting = b!.claim('q', { max: 1, leaseMs: LONG_LEASE_MS, waitMs: 2 * timing.patienceMs });
    const early = await Promise.race([waiting, sleep(timing.settleMs * 3).then(() => 'none' as const)]);
    assert.equal(early, 'none', 'a second item of the group was leased past its concurrency');
    const ackedAt = Date.now();
    assert.equal(await a!.ack(ref(held)), true);
    const got = await waiting;
    const tookMs = Date.now() - ackedAt;
    assert.equal(got.length, 1, 'the waiting claim is served once the slot frees');
    assert.equal(got[0]!.attempt, 1, 'waiting used no attempt');
    assert.ok(tookMs < soonMs, `the waiting claim was served ${tookMs} ms after the ack (want < ${soonMs} ms)`);
  });

  test('an expired lease gives its group slot back', ['fairGroups'], async () => {
    const [a, b] = await h.clients(2);
    await a!.setQueueLimits('q', { group: { by: 'tenant', concurrency: 1 } });
    await a!.send('q', tenantItems('a', 2));
    const first = await mustClaim(a!, 'q', { ...wait, leaseMs: timing.leaseMs });
    await expectNothing(b!, 'q', 0, 'the group slot is taken');
    const next = await mustClaim(b!, 'q', wait);
    assert.equal(await a!.ack(ref(first)), false, 'the expired lease is stale');
    assert.equal(await b!.ack(ref(next)), true);
  });

  test('changing `by` regroups the waiting items; a leased item counts toward the group it was claimed in', ['fairGroups'], async () => {
    const b = await h.client();
    await b.setQueueLimits('q', { group: { by: 'tid', concurrency: 1 } });
    const m1 = message('fair.job', { tid: 'T', headers: { tenant: 'a' } });
    const m2 = message('fair.job', { tid: 'T', headers: { tenant: 'b' } });
    const m3 = message('fair.job', { tid: 'U', headers: { tenant: 'b' } });
    await b.send('q', [m1, m2, m3].map((m) => ({ message: m })));
    const first = await claimNow(b);
    assert.deepEqual(first.map((d) => d.message.id).sort(), [m1.id, m3.id].sort(), 'by tid: the head of T and of U');
    assert.equal(await b.ack(ref(first.find((d) => d.message.id === m3.id)!)), true);
    await expectNothing(b, 'q', timing.settleMs, 'm2 waits behind m1 in group T');
    await b.setQueueLimits('q', { group: { by: 'tenant', concurrency: 1 } });
    const regrouped = await mustClaim(b, 'q', wait);
    assert.equal(regrouped.message.id, m2.id, 'by tenant, m2 is in group b, which has nothing in flight');
    await b.setQueueLimits('q', { group: { by: 'tid', concurrency: 1 } });
    const m4 = message('fair.job', { tid: 'T', headers: { tenant: 'c' } });
    await b.send('q', [{ message: m4 }]);
    await expectNothing(b, 'q', timing.settleMs, 'm1, claimed in group T, still holds its slot');
    assert.equal(await b.ack(ref(first.find((d) => d.message.id === m1.id)!)), true);
    assert.equal((await mustClaim(b, 'q', wait)).message.id, m4.id);
  });

  test('queue limits and group limits hold together: the tighter one wins', ['fairGroups'], async () => {
    const b = await h.client();
    await b.setQueueLimits('q', { concurrency: 3, group: { by: 'tenant', concurrency: 2 } });
    await b.send('q', [...tenantItems('a', 4), ...tenantItems('b', 4)]);
    const got = await claimNow(b);
    assert.equal(got.length, 3, `the queue's concurrency caps the claim: ${got.map(label).join(' ')}`);
    assert.ok(Object.values(perTenant(got)).every((n) => n <= 2), `no group over its concurrency: ${got.map(label).join(' ')}`);
    await expectNothing(b, 'q', timing.settleMs, 'the queue is full');
    await b.setQueueLimits('q', { concurrency: 10, group: { by: 'tenant', concurrency: 2 } });
    const more = await claimNow(b);
    assert.deepEqual(perTenant([...got, ...more]), { a: 2, b: 2 }, 'with room in the queue, the groups cap it');
    await expectNothing(b, 'q', timing.settleMs, 'every group is full');
  });

  test('group limits are stored for a new client, shown by queueLimits, and removed with {}', ['fairGroups'], async () => {
    const a = await h.client();
    const limits = { concurrency: 50, group: { by: 'tenant', concurrency: 1, rate: { max: 100, per: 60_000 } } };
    await a.setQueueLimits('q', limits);
    await a.send('q', tenantItems('a', 4));
    const c = await h.client();
    assert.deepEqual(await c.queueLimits('q'), limits);
    const held = await mustClaim(c, 'q', wait);
    await expectNothing(c, 'q', timing.settleMs, 'the new client honours the stored group concurrency');
    await a.setQueueLimits('q', { concurrency: 50 });
    assert.deepEqual(await c.queueLimits('q'), { concurrency: 50 }, 'limits without a group drop it');
    const second = await mustClaim(c, 'q', wait);
    await a.setQueueLimits('q', limits);
    await expectNothing(c, 'q', timing.settleMs, 'grouped again: two of group a in flight');
    await a.setQueueLimits('q', {});
    assert.deepEqual(await c.queueLimits('q'), {});
    const rest = await claimNow(c);
    assert.equal(rest.length, 2, 'with no limits, every waiting item is claimable');
    for (const d of [held, second, ...rest]) assert.equal(await c.ack(ref(d)), true);
  });

  test('bad group limits are refused with a ValidationError and change nothing', ['fairGroups'], async () => {
    const b = await h.client();
    const good = { group: { by: 'tenant', concurrency: 2 } };
    await b.setQueueLimits('q', good);
    const bad: unknown[] = [
      { group: { by: 'tid' } },
      { group: { by: '', concurrency: 1 } },
      { group: { by: 5, concurrency: 1 } },
      { group: { by: 'tid', concurrency: 0 } },
      { group: { by: 'tid', rate: { max: 5 } } },
      { group: { by: 'tid', concurrency: 1, weight: 2 } },
      { group: 'tid' },
    ];
    for (const limits of bad) {
      await assert.rejects(b.setQueueLimits('q', limits as never), (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'), JSON.stringify(limits));
    }
    assert.deepEqual(await b.queueLimits('q'), good);
  });
});
