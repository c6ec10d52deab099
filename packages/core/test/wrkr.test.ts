import { randomBytes } from 'node:crypto';
import { MemoryBackend, MemoryStore } from '@wrkr/backend-memory';
import {
  ClosedError,
  DuplicateWorkerError,
  NotStartedError,
  PayloadTooLargeError,
  RemoteError,
  StaleLeaseError,
  TimeoutError,
  ValidationError,
  Wrkr,
  isWrkrError,
  type WrkrEvent,
  type WrkrOptions,
} from '../src';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('Wrkr on the embedded default backend', () => {
  let store: MemoryStore;
  const started: Wrkr[] = [];
  const make = async (options: WrkrOptions = {}): Promise<Wrkr> => {
    const w = new Wrkr({ backend: new MemoryBackend({ store }), worker: false, ...options });
    await w.start();
    started.push(w);
    return w;
  };

  beforeEach(() => {
    store = new MemoryStore();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((w) => w.stop({ timeout: 200 })));
  });

  it('uses the memory backend when none is given', async () => {
    const w = new Wrkr();
    await w.start();
    expect(w.backend.name).toBe('memory');
    await w.stop();
  });

  it('fans an event out to every subscribed queue with every field intact', async () => {
    const w = await make();
    const seen: Record<string, WrkrEvent[]> = { a: [], b: [] };
    await w.subscribe('a', 'ourapp.user.*', async (e) => void seen.a!.push(e));
    await w.subscribe('b', ['ourapp.#'], async (e) => void seen.b!.push(e));
    await w.subscribe('c', 'other.#', async () => {
      throw new Error('must not be called');
    });
    const { id } = await w.publish({ name: 'ourapp.user.added', tid: 'u1', data: { email: 'ü@x.io', n: [1, 2] }, headers: { trace: 't1' } });
    await eventually(() => seen.a!.length === 1 && seen.b!.length === 1);
    const e = seen.a![0]!;
    expect(e).toMatchObject({ id, name: 'ourapp.user.added', tid: 'u1', data: { email: 'ü@x.io', n: [1, 2] }, headers: { trace: 't1' } });
    expect(e.publishedAt).toBeInstanceOf(Date);
    expect(await w.stats('c')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
  });

  it('delays an event until its due time and can cancel another', async () => {
    const w = await make();
    const got: Array<{ id: string; at: number }> = [];
    await w.subscribe('q', 'x.later', async (e) => void got.push({ id: e.id, at: Date.now() }));
    const t0 = Date.now();
    const kept = await w.publish({ name: 'x.later', when: 150 });
    const cancelled = await w.publish({ name: 'x.later', when: '100ms' });
    expect(await w.cancel(cancelled.id)).toBe(true);
    await eventually(() => got.length === 1);
    expect(got[0]!.id).toBe(kept.id);
    expect(got[0]!.at - t0).toBeGreaterThanOrEqual(150);
    await sleep(100);
    expect(got).toHaveLength(1);
    expect(await w.cancel(cancelled.id)).toBe(false);
  });

  it('retries with backoff, then succeeds', async () => {
    const w = await make();
    const attempts: number[] = [];
    const retrying: number[] = [];
    w.on('retrying', (r) => retrying.push(r.attempt));
    const completed = new Promise((resolve) => w.once('completed', resolve));
    await w.subscribe(
      'flaky',
      'job.flaky',
      async (_e, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
      },
      { retry: { attempts: 5, backoff: 'exponential', delay: 20, jitter: 0 } },
    );
    await w.publish({ name: 'job.flaky' });
    await completed;
    expect(attempts).toEqual([1, 2, 3]);
    expect(retrying).toEqual([1, 2]);
  });

  it('dead-letters after the last attempt, then replays and purges', async () => {
    const w = await make();
    let fail = true;
    const handled: string[] = [];
    await w.subscribe(
      'dlq',
      'job.bad',
      async (e) => {
        if (fail) throw Object.assign(new Error('bad input'), { code: 'E_BAD' });
        handled.push(e.id);
      },
      { retry: { attempts: 2, delay: 1, jitter: 0 } },
    );
    const { id } = await w.publish({ name: 'job.bad', data: { v: 1 } });
    await eventually(async () => (await w.stats('dlq')).failed === 1);
    const [f] = await w.failed('dlq');
    expect(f).toMatchObject({ queue: 'dlq', attempt: 2, error: { message: 'bad input', code: 'E_BAD', name: 'Error' } });
    expect(f!.event).toMatchObject({ id, data: { v: 1 } });
    expect(f!.error.stack).toContain('bad input');
    fail = false;
    expect(await w.replay('dlq')).toBe(1);
    await eventually(() => handled.length === 1);
    expect(await w.purge('dlq')).toBe(0);
  });

  it('answers a request with the handler return value, and an error as RemoteError', async () => {
    const w = await make();
    await w.subscribe('pricing', 'pricing.quote', async (e: WrkrEvent<{ qty: number }>) => {
      if (e.data!.qty < 0) throw new RangeError('qty must be positive');
      return { price: e.data!.qty * 3 };
    }, { retry: { attempts: 1 } });
    await expect(w.request('pricing.quote', { qty: 2 }, { timeout: '2s' })).resolves.toEqual({ price: 6 });
    const err = await w.request('pricing.quote', { qty: -1 }, { timeout: '2s' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ message: 'qty must be positive', details: { name: 'RangeError' } });
    await expect(w.request('nobody.listens', {}, { timeout: 100 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('aborts a handler at its job timeout and retries it', async () => {
    const w = await make();
    const reasons: unknown[] = [];
    let calls = 0;
    const done = new Promise((resolve) => w.once('completed', resolve));
    await w.subscribe(
      'slow',
      'job.slow',
      async (_e, ctx) => {
        calls++;
        if (ctx.attempt === 1) {
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
          reasons.push(ctx.signal.reason);
        }
      },
      { timeout: 50, retry: { attempts: 2, delay: 1 } },
    );
    await w.publish({ name: 'job.slow' });
    await done;
    expect(calls).toBe(2);
    expect(isWrkrError(reasons[0], 'ERR_WRKR_TIMEOUT')).toBe(true);
  });

  it('renews the lease of a long handler so no other consumer gets the item', async () => {
    const a = await make();
    const b = await make();
    let calls = 0;
    const handler = async () => {
      calls++;
      await sleep(400);
    };
    await a.subscribe('long', 'job.long', handler, { visibilityTimeout: 100 });
    await b.subscribe('long', null, handler, { visibilityTimeout: 100 });
    await a.publish({ name: 'job.long' });
    await eventually(async () => calls === 1 && (await a.stats('long')).inFlight === 0, 3000);
    expect(calls).toBe(1);
  });

  it('spreads items over competing consumers in different processes', async () => {
    const a = await make();
    const b = await make();
    const byA: string[] = [];
    const byB: string[] = [];
    await a.subscribe('work', 'job.item', async (e) => {
      byA.push(e.id);
      await sleep(5);
    }, { concurrency: 2 });
    await b.subscribe('work', null, async (e) => {
      byB.push(e.id);
      await sleep(5);
    }, { concurrency: 2 });
    await a.publish(Array.from({ length: 40 }, (_, i) => ({ name: 'job.item', data: i })));
    await eventually(() => byA.length + byB.length === 40);
    expect(new Set([...byA, ...byB]).size).toBe(40);
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
  });

  it('drains in-flight handlers on stop', async () => {
    const w = await make();
    let finished = false;
    await w.subscribe('drain', 'job.drain', async () => {
      await sleep(150);
      finished = true;
    });
    await w.publish({ name: 'job.drain' });
    await eventually(() => w.inFlight === 1);
    await w.stop({ timeout: '5s' });
    expect(finished).toBe(true);
    const after = await make();
    expect(await after.stats('drain')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
    await expect(w.publish({ name: 'x' })).rejects.toBeInstanceOf(ClosedError);
  });

  it('aborts and releases handlers still running at the stop timeout, losing nothing', async () => {
    const w = await make();
    let signal: AbortSignal | undefined;
    await w.subscribe('stuck', 'job.stuck', async (_e, ctx) => {
      signal = ctx.signal;
      await sleep(2000);
    }, { visibilityTimeout: '1 minute' });
    await w.publish({ name: 'job.stuck' });
    await eventually(() => w.inFlight === 1);
    await w.stop({ timeout: 50 });
    expect(signal!.aborted).toBe(true);
    const next = await make();
    const item = await next.fetch('stuck');
    expect(item).not.toBeNull();
    expect(item!.attempt).toBe(1); // the release did not count as an attempt
  });

  it('serves the pull API: fetch, extend, nack, ack, and refuses a stale ack', async () => {
    const w = await make();
    await w.send('pull', [{ name: 'job.a', data: 1 }, { name: 'job.b', data: 2 }]);
    const a = await w.fetch<number>('pull', { visibilityTimeout: 100 });
    expect(a).toMatchObject({ queue: 'pull', attempt: 1, event: { name: 'job.a', data: 1 } });
    await w.extend(a!, '5s');
    const b = await w.fetch('pull', { visibilityTimeout: 60 });
    await w.nack(b!, { delay: 0 });
    const b2 = await w.fetch('pull', { wait: 500 });
    expect(b2).toMatchObject({ attempt: 2, event: { name: 'job.b' } });
    await expect(w.ack(b!)).rejects.toBeInstanceOf(StaleLeaseError);
    await w.ack(b2!);
    await w.ack(a!);
    expect(await w.fetch('pull')).toBeNull();
    expect(await w.stats('pull')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
  });

  it('fires a recurring schedule once per occurrence across three processes', async () => {
    const procs = [await make({ scheduler: { poll: 200 } }), await make({ scheduler: { poll: 200 } }), await make({ scheduler: { poll: 200 } })];
    const fired: string[] = [];
    await procs[0]!.subscribe('ticks', 'tick.run', async (e) => void fired.push(e.id));
    await procs[1]!.schedule('ticker', { every: '1s' }, { name: 'tick.run', data: { n: 1 } });
    await sleep(2300);
    expect(fired.length).toBeGreaterThanOrEqual(2);
    expect(new Set(fired).size).toBe(fired.length);
    const [info] = await procs[2]!.schedules();
    expect(info).toMatchObject({ name: 'ticker', rule: { every: 1000 }, active: true, event: { name: 'tick.run', data: { n: 1 } } });
    expect(info!.lastRunAt).toBeInstanceOf(Date);
    expect(await procs[2]!.unschedule('ticker')).toBe(true);
    const count = fired.length;
    await sleep(1300);
    expect(fired.length).toBe(count);
  });

  it('triggers, pauses and reschedules a schedule', async () => {
    const w = await make();
    const fired: WrkrEvent[] = [];
    await w.subscribe('rep', 'report.run', async (e) => void fired.push(e));
    await w.schedule('nightly', { cron: '0 2 * * *', tz: 'Europe/Amsterdam' }, { name: 'report.run' });
    const before = (await w.getSchedule('nightly'))!;
    expect(before.nextRunAt.getTime()).toBeGreaterThan(Date.now());
    await w.trigger('nightly');
    await eventually(() => fired.length === 1);
    expect(fired[0]!.headers['wrkr-schedule']).toBe('nightly');
    expect((await w.setScheduleActive('nightly', false)).active).toBe(false);
    const moved = await w.schedule('nightly', { every: '2 hours' }, { name: 'report.run' });
    expect(moved).toMatchObject({ rule: { every: 7_200_000 }, active: false });
  });

  it('registers workers with unique ids and heartbeats', async () => {
    const a = await make({ worker: { id: 'worker-1', heartbeat: 100, meta: { role: 'test' } } });
    const dup = new Wrkr({ backend: new MemoryBackend({ store }), worker: { id: 'worker-1' } });
    await expect(dup.start()).rejects.toBeInstanceOf(DuplicateWorkerError);
    const list = await a.workers();
    expect(list.map((x) => x.id)).toEqual(['worker-1']);
    expect(list[0]!.meta).toMatchObject({ role: 'test', pid: process.pid });
    await a.subscribe('jobs', 'job.x', async () => undefined);
    await eventually(async () => JSON.stringify((await a.workers())[0]!.meta.queues) === '["jobs"]', 1000);
    const first = (await a.workers())[0]!.heartbeatAt;
    await eventually(async () => (await a.workers())[0]!.heartbeatAt > first, 1000);
    await a.stop();
    expect(await (await make()).workers()).toEqual([]);
  });

  it('encrypts payloads at rest and decrypts for handlers', async () => {
    const key = randomBytes(32);
    const w = await make({ encryption: { keys: { k1: key }, currentKey: 'k1' } });
    await w.send('secret', { name: 'x.secret', data: { card: '4111' } });
    const [raw] = await w.backend.claim('secret', { max: 1, leaseMs: 1000, waitMs: 0 });
    expect(raw!.message.body).toMatch(/^enc:v1:k1:/);
    expect(raw!.message.body).not.toContain('4111');
    await w.backend.nack({ queue: 'secret', id: raw!.message.id, token: raw!.token }, { kind: 'release' });
    const item = await w.fetch('secret');
    expect(item!.event.data).toEqual({ card: '4111' });
  });

  describe('refuses bad input with typed errors and writes nothing', () => {
    const bad: Array<[string, (w: Wrkr) => Promise<unknown>]> = [
      ['empty name', (w) => w.publish({ name: '' })],
      ['malformed name', (w) => w.publish({ name: 'a..b' })],
      ['wildcard in a name', (w) => w.publish({ name: 'x.*' })],
      ["when: 'soon-ish'", (w) => w.publish({ name: 'x.y', when: 'soon-ish' })],
      ['negative delay', (w) => w.publish({ name: 'x.y', when: -5 })],
      ['non-JSON data', (w) => w.publish({ name: 'x.y', data: { f: () => 1 } })],
      ['a Date in data', (w) => w.publish({ name: 'x.y', data: { at: new Date() } })],
      ['non-string header', (w) => w.publish({ name: 'x.y', headers: { n: 1 as unknown as string } })],
      ['unknown event key', (w) => w.publish({ name: 'x.y', dta: 1 } as never)],
      ['one bad event in a batch', (w) => w.publish([{ name: 'x.y' }, { name: 'x..y' }])],
      ['bad queue name', (w) => w.send('bad queue', { name: 'x.y' })],
      ['bad pattern', (w) => w.subscribe('q2', 'a.**', async () => undefined)],
      ['unknown subscribe option', (w) => w.subscribe('q2', 'x.y', async () => undefined, { concurency: 2 } as never)],
      ['bad concurrency', (w) => w.subscribe('q2', 'x.y', async () => undefined, { concurrency: 0 })],
      ['bad cron', (w) => w.schedule('s1', { cron: 'every day' }, { name: 'x.y' })],
      ['bad time zone', (w) => w.schedule('s1', { cron: '0 2 * * *', tz: 'Nowhere/City' }, { name: 'x.y' })],
      ['bad every', (w) => w.schedule('s1', { every: 'soon-ish' }, { name: 'x.y' })],
    ];
    it.each(bad)('%s → ValidationError', async (_name, call) => {
      const w = await make();
      await w.bind('q', '#');
      const err = await call(w).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect(isWrkrError(err, 'ERR_WRKR_VALIDATION')).toBe(true);
      expect(await w.stats('q')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
      expect(await w.stats('q2')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
      expect(await w.bindings()).toEqual([{ queue: 'q', pattern: '#' }]);
      expect(await w.schedules()).toEqual([]);
    });

    it('oversized payload → PayloadTooLargeError', async () => {
      const w = await make({ maxPayloadBytes: 1024 });
      await w.bind('q', '#');
      await expect(w.publish({ name: 'x.y', data: 'x'.repeat(2000) })).rejects.toBeInstanceOf(PayloadTooLargeError);
      expect((await w.stats('q')).ready).toBe(0);
    });

    it('unknown constructor option and use before start', async () => {
      expect(() => new Wrkr({ backnd: 1 } as never)).toThrow(ValidationError);
      const w = new Wrkr({ backend: new MemoryBackend({ store }), worker: false });
      await expect(w.publish({ name: 'x.y' })).rejects.toBeInstanceOf(NotStartedError);
    });
  });
});
