import { ClosedError, ValidationError, type Delivery, type Message, type Outgoing, type ScheduleRecord } from '@wrkr/core/backend';
import { MemoryBackend, MemoryStore } from '@wrkr/backend-memory';

let seq = 0;
const msg = (name = 'app.thing.done', extra: Partial<Message> = {}): Message => ({ id: `m${++seq}`, name, publishedAt: Date.now(), ...extra });
const out = (message: Message, dueAt?: number): Outgoing => (dueAt === undefined ? { message } : { message, dueAt });
const LEASE = { max: 1, leaseMs: 10_000, waitMs: 0 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const opened: MemoryBackend[] = [];
function client(options: ConstructorParameters<typeof MemoryBackend>[0] = {}): MemoryBackend {
  const b = new MemoryBackend(options);
  opened.push(b);
  return b;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});

describe('MemoryBackend', () => {
  it('declares every capability and the contract version', () => {
    const b = client();
    expect(b.name).toBe('memory');
    expect(b.contractVersion).toBe(1);
    expect(Object.values(b.capabilities).every((v) => v === true)).toBe(true);
  });

  it('wakes a waiting claim when another client on the same store sends', async () => {
    const store = new MemoryStore();
    const a = client({ store });
    const b = client({ store });
    const started = Date.now();
    const pending = a.claim('q', { max: 1, leaseMs: 1000, waitMs: 5000 });
    await sleep(20);
    await b.send('q', [out(msg())]);
    const got = await pending;
    expect(got).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('wakes a waiting claim on a publish routed by a binding', async () => {
    const store = new MemoryStore();
    const a = client({ store });
    const b = client({ store });
    await a.bind('q', 'app.#');
    const pending = a.claim('q', { max: 5, leaseMs: 1000, waitMs: 5000 });
    await b.publish([out(msg('app.x')), out(msg('other.x'))]);
    expect((await pending).map((d) => d.message.name)).toEqual(['app.x']);
  });

  it('serves waiting claims in arrival order, each item once', async () => {
    const b = client();
    const waits = [1, 2, 3].map(() => b.claim('q', { max: 1, leaseMs: 1000, waitMs: 2000 }));
    await b.send('q', [out(msg()), out(msg()), out(msg())]);
    const got = await Promise.all(waits);
    expect(got.map((d) => d.length)).toEqual([1, 1, 1]);
    expect(new Set(got.map((d) => d[0]!.message.id)).size).toBe(3);
  });

  it('delivers a delayed send to a waiting claim within 20 ms of its due time', async () => {
    const b = client();
    for (let i = 0; i < 5; i++) {
      const dueAt = Date.now() + 60;
      await b.send('q', [out(msg(), dueAt)]);
      const [d] = await b.claim('q', { max: 1, leaseMs: 1000, waitMs: 2000 });
      const lateness = Date.now() - dueAt;
      expect(d).toBeDefined();
      expect(lateness).toBeGreaterThanOrEqual(0);
      expect(lateness).toBeLessThan(20);
      await b.ack({ queue: 'q', id: d!.message.id, token: d!.token });
    }
  });

  it('routes a delayed publish at its due time to the queues bound then, even when nobody claims', async () => {
    const b = client();
    await b.bind('early', 'app.#');
    const m = msg('app.later');
    await b.publish([out(m, Date.now() + 50)]);
    await b.bind('late', 'app.#');
    await b.unbind('early', 'app.#');
    expect(await b.stats('late')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
    await sleep(70);
    expect((await b.stats('late')).ready).toBe(1);
    expect((await b.stats('early')).ready).toBe(0);
  });

  it('never delivers a delayed item early', async () => {
    const b = client();
    await b.send('q', [out(msg(), Date.now() + 80)]);
    expect(await b.claim('q', { ...LEASE, waitMs: 40 })).toEqual([]);
    expect(await b.stats('q')).toMatchObject({ ready: 0, delayed: 1 });
  });

  it('delivers 10,000 items due at the same instant once each, fast', async () => {
    const b = client();
    await b.bind('q', 'bulk.#');
    const dueAt = Date.now() + 100;
    const ids = new Set<string>();
    const items = Array.from({ length: 10_000 }, (_, i) => {
      const m = msg(`bulk.${i % 7}`);
      ids.add(m.id);
      return out(m, dueAt);
    });
    await b.publish(items);
    const seen = new Set<string>();
    let deliveries = 0;
    let firstAt = Number.POSITIVE_INFINITY;
    const started = Date.now();
    while (seen.size < 10_000 && Date.now() - started < 5000) {
      const got = await b.claim('q', { max: 500, leaseMs: 10_000, waitMs: 1000 });
      if (got.length > 0) firstAt = Math.min(firstAt, Date.now());
      deliveries += got.length;
      for (const d of got) seen.add(d.message.id);
    }
    const allAt = Date.now();
    expect(firstAt).toBeGreaterThanOrEqual(dueAt);
    expect(deliveries).toBe(10_000);
    expect(seen).toEqual(ids);
    expect(allAt - dueAt).toBeLessThan(500);
    expect(await b.stats('q')).toEqual({ ready: 0, delayed: 0, inFlight: 10_000, failed: 0 });
  });

  it('wakes a waiting claim when a lease expires, with a higher attempt and a new token', async () => {
    const b = client();
    await b.send('q', [out(msg())]);
    const [first] = await b.claim('q', { max: 1, leaseMs: 80, waitMs: 0 });
    const started = Date.now();
    const [second] = await b.claim('q', { max: 1, leaseMs: 1000, waitMs: 2000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(Date.now() - first!.leaseUntil).toBeLessThan(20);
    expect(second!.message.id).toBe(first!.message.id);
    expect(second!.attempt).toBe(2);
    expect(second!.token).not.toBe(first!.token);
  });

  it('refuses ack, nack and extend with a stale token and changes nothing', async () => {
    const b = client();
    await b.send('q', [out(msg())]);
    const [first] = await b.claim('q', { max: 1, leaseMs: 30, waitMs: 0 });
    await sleep(40);
    const [second] = await b.claim('q', LEASE);
    const stale = { queue: 'q', id: first!.message.id, token: first!.token };
    expect(await b.ack(stale)).toBe(false);
    expect(await b.nack(stale, { kind: 'fail', error: { message: 'x' } })).toBe(false);
    expect(await b.extend(stale, 1000)).toBe(false);
    expect(await b.stats('q')).toEqual({ ready: 0, delayed: 0, inFlight: 1, failed: 0 });
    expect(await b.ack({ queue: 'q', id: second!.message.id, token: second!.token })).toBe(true);
    expect(await b.stats('q')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
  });

  it('keeps a lease alive with extend', async () => {
    const b = client();
    await b.send('q', [out(msg())]);
    const [d] = await b.claim('q', { max: 1, leaseMs: 50, waitMs: 0 });
    const ref = { queue: 'q', id: d!.message.id, token: d!.token };
    expect(await b.extend(ref, 500)).toBe(true);
    expect(await b.claim('q', { ...LEASE, waitMs: 100 })).toEqual([]);
    expect(await b.ack(ref)).toBe(true);
  });

  it('implements nack retry, release and fail, replay and purge', async () => {
    const b = client();
    const m = msg();
    await b.send('q', [out(m)]);
    let [d] = await b.claim('q', LEASE);
    const ref = (x: Delivery) => ({ queue: 'q', id: x.message.id, token: x.token });
    expect(await b.nack(ref(d!), { kind: 'retry', dueAt: Date.now() + 40, error: { message: 'later' } })).toBe(true);
    expect(await b.stats('q')).toMatchObject({ delayed: 1, inFlight: 0 });
    [d] = await b.claim('q', { ...LEASE, waitMs: 1000 });
    expect(d!.attempt).toBe(2);
    expect(await b.nack(ref(d!), { kind: 'release' })).toBe(true);
    [d] = await b.claim('q', LEASE);
    expect(d!.attempt).toBe(2);
    const failedBefore = Date.now();
    expect(await b.nack(ref(d!), { kind: 'fail', error: { message: 'boom', name: 'Error', code: 'E1' } })).toBe(true);
    expect(await b.stats('q')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 1 });
    const [f] = await b.failed('q');
    expect(f).toMatchObject({ queue: 'q', message: m, attempt: 2, error: { message: 'boom', name: 'Error', code: 'E1' } });
    expect(f!.failedAt).toBeGreaterThanOrEqual(failedBefore);
    expect(await b.replay('q')).toBe(1);
    [d] = await b.claim('q', LEASE);
    expect(d!.attempt).toBe(1);
    await b.nack(ref(d!), { kind: 'fail', error: { message: 'again' } });
    expect(await b.purgeFailed('q', ['nope'])).toBe(0);
    expect(await b.purgeFailed('q')).toBe(1);
    expect(await b.stats('q')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
  });

  it('lists failed items oldest first with limit and offset', async () => {
    const b = client();
    const ms = [msg(), msg(), msg()];
    await b.send('q', ms.map((m) => out(m)));
    for (const d of await b.claim('q', { max: 3, leaseMs: 1000, waitMs: 0 })) {
      await b.nack({ queue: 'q', id: d.message.id, token: d.token }, { kind: 'fail', error: { message: d.message.id } });
    }
    expect((await b.failed('q')).map((f) => f.message.id)).toEqual(ms.map((m) => m.id));
    expect((await b.failed('q', { offset: 1, limit: 1 })).map((f) => f.message.id)).toEqual([ms[1]!.id]);
    expect(await b.replay('q', [ms[2]!.id])).toBe(1);
    expect(await b.stats('q')).toMatchObject({ ready: 1, failed: 2 });
  });

  it('does not add an id already pending in a queue, and ignores a delayed publish with a stored id', async () => {
    const b = client();
    await b.bind('q', '#');
    const m = msg();
    await b.publish([out(m), out(m)]);
    await b.send('q', [out(m, Date.now() + 1000)]);
    expect(await b.stats('q')).toMatchObject({ ready: 1, delayed: 0 });
    const later = msg();
    await b.publish([out(later, Date.now() + 30)]);
    await b.publish([out({ ...later, name: 'changed.name' }, Date.now() + 30)]);
    await sleep(50);
    const got = await b.claim('q', { max: 10, leaseMs: 1000, waitMs: 0 });
    expect(got.map((d) => d.message.id)).toEqual([m.id, later.id]);
    expect(got[1]!.message.name).toBe(later.name);
  });

  it('cancels delayed publishes and delayed queue items, never delivering them', async () => {
    const b = client();
    await b.bind('q', '#');
    const pub = msg();
    const sent = msg();
    await b.publish([out(pub, Date.now() + 30)]);
    await b.send('q', [out(sent, Date.now() + 30)]);
    expect(await b.cancel(pub.id)).toBe(true);
    expect(await b.cancel(sent.id)).toBe(true);
    expect(await b.cancel(sent.id)).toBe(false);
    expect(await b.claim('q', { ...LEASE, waitMs: 80 })).toEqual([]);
    expect(await b.stats('q')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
  });

  it('interrupt resolves pending claims empty at once and keeps every item and the clients usable', async () => {
    const store = new MemoryStore();
    const a = client({ store, namespace: 'one' });
    const b = client({ store, namespace: 'two' });
    await a.send('q', [out(msg(), Date.now() + 10_000)]);
    const started = Date.now();
    const pending = [a.claim('q', { ...LEASE, waitMs: 5000 }), b.claim('q', { ...LEASE, waitMs: 5000 })];
    await sleep(10);
    store.interrupt();
    expect(await Promise.all(pending)).toEqual([[], []]);
    expect(Date.now() - started).toBeLessThan(200);
    expect(await a.stats('q')).toMatchObject({ delayed: 1 });
    const again = a.claim('q', { ...LEASE, waitMs: 1000 });
    await b.send('q', [out(msg())]);
    await a.send('q', [out(msg())]);
    expect(await again).toHaveLength(1);
  });

  it('close resolves pending claims empty, is idempotent, and every later call rejects with ClosedError', async () => {
    const store = new MemoryStore();
    const b = client({ store });
    await b.send('q', [out(msg())]);
    const pending = b.claim('other', { ...LEASE, waitMs: 5000 });
    await b.close();
    await b.close();
    expect(await pending).toEqual([]);
    await expect(b.send('q', [out(msg())])).rejects.toBeInstanceOf(ClosedError);
    await expect(b.claim('q', LEASE)).rejects.toBeInstanceOf(ClosedError);
    await expect(b.stats('q')).rejects.toBeInstanceOf(ClosedError);
    await expect(b.start()).rejects.toBeInstanceOf(ClosedError);
    // The data outlives the client: it belongs to the store.
    expect(await client({ store }).stats('q')).toMatchObject({ ready: 1 });
  });

  it('resolves a waiting claim empty when its signal aborts', async () => {
    const b = client();
    const ac = new AbortController();
    const pending = b.claim('q', { ...LEASE, waitMs: 5000, signal: ac.signal });
    ac.abort();
    expect(await pending).toEqual([]);
    await b.send('q', [out(msg())]);
    expect(await b.stats('q')).toMatchObject({ ready: 1 });
  });

  it('keeps namespaces apart and data across clients of one store', async () => {
    const store = new MemoryStore();
    const a = client({ store, namespace: 'a' });
    await a.bind('q', '#');
    await a.send('q', [out(msg())]);
    expect(await client({ store, namespace: 'b' }).queues()).toEqual([]);
    const again = client({ store, namespace: 'a' });
    expect(await again.queues()).toEqual(['q']);
    expect(await again.bindings()).toEqual([{ queue: 'q', pattern: '#' }]);
    expect((await again.stats('q')).ready).toBe(1);
    expect(await client().queues()).toEqual([]);
  });

  it('copies data at the boundary', async () => {
    const b = client();
    const m: Message = { id: 'copy-1', name: 'a.b', headers: { h: '1' }, body: '{}', publishedAt: 1 };
    await b.send('q', [out(m)]);
    (m.headers as Record<string, string>).h = 'changed';
    const [d] = await b.claim('q', LEASE);
    expect(d!.message.headers).toEqual({ h: '1' });
    (d!.message.headers as Record<string, string>).h = 'mutated';
    await b.nack({ queue: 'q', id: 'copy-1', token: d!.token }, { kind: 'release' });
    const [again] = await b.claim('q', LEASE);
    expect(again!.message).toEqual({ id: 'copy-1', name: 'a.b', headers: { h: '1' }, body: '{}', publishedAt: 1 });
  });

  it('lists, deletes and forgets queues', async () => {
    const b = client();
    await b.bind('bound', 'x.*');
    await b.bind('bound', 'y.#');
    await b.send('holding', [out(msg())]);
    await b.stats('merely-looked-at');
    expect(await b.queues()).toEqual(['bound', 'holding']);
    expect(await b.bindings('bound')).toEqual([{ queue: 'bound', pattern: 'x.*' }, { queue: 'bound', pattern: 'y.#' }]);
    await b.deleteQueue('holding');
    await b.deleteQueue('bound');
    expect(await b.queues()).toEqual([]);
    expect(await b.bindings()).toEqual([]);
    expect(await b.stats('holding')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
  });

  it('fires a schedule once per occurrence by compare-and-set', async () => {
    const store = new MemoryStore();
    const [a, b] = [client({ store }), client({ store })];
    await a.bind('q', 'report.*');
    const record: ScheduleRecord = { name: 'nightly', rule: { every: 1000 }, event: { name: 'report.run' }, active: true, nextRunAt: 1000, updatedAt: 5 };
    await a.upsertSchedule(record);
    const fire = (c: MemoryBackend, id: string) => c.fireSchedule('nightly', { runAt: 1000, updatedAt: 5 }, 2000, msg('report.run', { id }));
    expect(await Promise.all([fire(a, 'o1'), fire(b, 'o2')])).toEqual([true, false]);
    expect(await b.getSchedule('nightly')).toEqual({ ...record, nextRunAt: 2000, lastRunAt: 1000 });
    expect((await a.stats('q')).ready).toBe(1);
    expect(await a.fireSchedule('nightly', { runAt: 2000, updatedAt: 4 }, 3000, msg('report.run'))).toBe(false);
    expect((await a.listSchedules()).map((s) => s.name)).toEqual(['nightly']);
    expect(await a.removeSchedule('nightly')).toBe(true);
    expect(await a.removeSchedule('nightly')).toBe(false);
    expect(await a.getSchedule('nightly')).toBeUndefined();
  });

  it('registers workers, refuses a live duplicate, and forgets expired ones (controlled clock)', async () => {
    let now = 1_000_000;
    const b = client({ now: () => now });
    expect(await b.registerWorker('w1', 'i1', { host: 'h' }, 1000)).toBe(true);
    expect(await b.registerWorker('w1', 'i2', {}, 1000)).toBe(false);
    now += 500;
    expect(await b.heartbeat('w1', 'i1', 1000, { host: 'h2' })).toBe(true);
    expect(await b.workers()).toEqual([{ id: 'w1', meta: { host: 'h2' }, startedAt: 1_000_000, heartbeatAt: 1_000_500, expiresAt: 1_001_500 }]);
    now += 1000;
    expect(await b.workers()).toEqual([]);
    expect(await b.registerWorker('w1', 'i2', {}, 1000)).toBe(true);
    expect(await b.heartbeat('w1', 'i1', 1000)).toBe(false);
    await b.unregisterWorker('w1', 'i1');
    expect(await b.workers()).toHaveLength(1);
    await b.unregisterWorker('w1', 'i2');
    expect(await b.workers()).toEqual([]);
  });

  it('refuses bad input with a ValidationError and stores nothing', async () => {
    const b = client();
    await expect(b.send('bad queue', [out(msg())])).rejects.toBeInstanceOf(ValidationError);
    await expect(b.send('q', [out(msg()), out(msg('bad name!'))])).rejects.toBeInstanceOf(ValidationError);
    await expect(b.bind('q', 'a..b')).rejects.toBeInstanceOf(ValidationError);
    await expect(b.claim('q', { max: 0, leaseMs: 1000, waitMs: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(b.nack({ queue: 'q', id: 'x', token: 't' }, { kind: 'nope' } as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(b.registerWorker('w', 'i', { f: () => 1 }, 1000)).rejects.toBeInstanceOf(ValidationError);
    expect(() => new MemoryBackend({ namespace: '' })).toThrow(ValidationError);
    expect(await b.queues()).toEqual([]);
    expect(await b.stats('q')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
  });
});
