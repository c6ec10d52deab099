import { RedisBackend } from '../src';
import { message, sleep } from './helpers';
import { AppendOnlyRedis } from './redis-server';

describe('RedisBackend across a server restart (appendonly)', () => {
  let server: AppendOnlyRedis;
  beforeAll(async () => {
    server = await AppendOnlyRedis.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('keeps bindings, ready, delayed, in-flight and failed items, and schedules; the client resumes by itself', async () => {
    const b = new RedisBackend({ url: server.url, namespace: 'restart' });
    await b.start();
    await b.bind('q', 'r.*');
    const ready = message('r.ready');
    const delayed = message('r.delayed');
    const queued = message('r.queued');
    const failing = message('r.failing');
    const leased = message('r.leased');
    await b.send('q', [{ message: failing }]);
    const [f] = await b.claim('q', { max: 1, leaseMs: 60_000, waitMs: 0 });
    await b.nack({ queue: 'q', id: f!.message.id, token: f!.token }, { kind: 'fail', error: { message: 'bad' } });
    await b.send('q', [{ message: leased }]);
    const [l] = await b.claim('q', { max: 1, leaseMs: 60_000, waitMs: 0 });
    const due = Date.now() + 1500;
    await b.publish([{ message: ready }, { message: delayed, dueAt: due }]);
    await b.send('q', [{ message: queued, dueAt: due }]);
    const t = Date.now();
    await b.upsertSchedule({ name: 's1', rule: { cron: '0 2 * * *', tz: 'Europe/Amsterdam' }, event: { name: 'r.tick' }, active: true, nextRunAt: t + 60_000, updatedAt: t });

    await server.restart();

    // The same client, without any call from us, must be usable again.
    expect(await b.bindings()).toEqual([{ queue: 'q', pattern: 'r.*' }]);
    expect(await b.stats('q')).toEqual({ ready: 1, delayed: 1, inFlight: 1, failed: 1 });
    expect(await b.ack({ queue: 'q', id: l!.message.id, token: l!.token })).toBe(true);
    const fresh = new RedisBackend({ url: server.url, namespace: 'restart' });
    await fresh.start();
    try {
      expect((await fresh.failed('q')).map((x) => x.message)).toEqual([failing]);
      expect(await fresh.getSchedule('s1')).toMatchObject({ rule: { cron: '0 2 * * *', tz: 'Europe/Amsterdam' }, nextRunAt: t + 60_000 });
      const got: string[] = [];
      while (got.length < 3) {
        const ds = await fresh.claim('q', { max: 10, leaseMs: 5000, waitMs: 3000 });
        if (ds.length === 0) break;
        got.push(...ds.map((d) => d.message.id));
      }
      expect(got.sort()).toEqual([ready.id, delayed.id, queued.id].sort());
      expect(Date.now()).toBeGreaterThanOrEqual(due);
    } finally {
      await fresh.close();
      await b.close();
    }
    await sleep(0);
  });
});

describe('RedisBackend with a claim parked across a server restart', () => {
  it('the parked claim wakes promptly for work published after the restart', async () => {
    const server = await AppendOnlyRedis.start();
    const consumer = new RedisBackend({ url: server.url, namespace: 'parked', redis: { retryStrategy: () => 50 } });
    const producer = new RedisBackend({ url: server.url, namespace: 'parked', redis: { retryStrategy: () => 50 } });
    try {
      await consumer.start();
      await producer.start();
      const parked = consumer.claim('q', { max: 1, leaseMs: 5000, waitMs: 30_000 });
      await sleep(50);
      await server.restart();
      await sleep(300);
      const t = Date.now();
      await producer.send('q', [{ message: message('p.x') }]);
      expect(await parked).toHaveLength(1);
      // Well under the 5 s watchdog: the re-subscription itself woke the claim up to re-check.
      expect(Date.now() - t).toBeLessThan(1000);
    } finally {
      await Promise.all([consumer.close(), producer.close()]);
      await server.stop();
    }
  });
});

describe('RedisBackend started while its server is down', () => {
  it('start() rejects with a BackendError, and a later start() succeeds once the server is up', async () => {
    const server = await AppendOnlyRedis.start();
    await server.shutdown();
    const b = new RedisBackend({ url: server.url, namespace: 'late-start', redis: { retryStrategy: () => 100 } });
    try {
      await expect(b.start()).rejects.toMatchObject({ code: 'ERR_WRKR_BACKEND' });
      await server.launch();
      await b.start();
      await b.send('q', [{ message: message('s.x') }]);
      expect((await b.claim('q', { max: 1, leaseMs: 1000, waitMs: 1000 })).length).toBe(1);
    } finally {
      await b.close();
      await server.stop();
    }
  });
});
