import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { createServer, listen } from '../src';

let wrkr: Wrkr;
let app: FastifyInstance;
let base: string;

// Real HTTP rather than fastify's inject: light-my-request's ESM-only dependency cannot load under jest on Node 20.
beforeEach(async () => {
  wrkr = new Wrkr({ backend: new MemoryBackend(), worker: { id: 'api-test' } });
  await wrkr.start();
  app = await createServer({ wrkr });
  base = await listen(app, { host: '127.0.0.1', port: 0 });
});

afterEach(async () => {
  await app.close();
  await wrkr.stop({ timeout: 0 });
});

const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; body: any }> => {
  const res = await fetch(base + url, {
    method,
    ...(payload !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
};

test('publish and send reach the bound and named queues; queues and stats list them', async () => {
  await wrkr.bind('mail', 'user.*');
  expect(await call('POST', '/api/publish', { name: 'user.added', data: { a: 1 }, headers: { k: 'v' } })).toMatchObject({ status: 200, body: { id: expect.any(String) } });
  expect((await call('POST', '/api/queues/direct/send', { name: 'x.y', when: '1h' })).status).toBe(200);
  expect(await call('GET', '/api/queues/mail/stats')).toEqual({ status: 200, body: { ready: 1, delayed: 0, inFlight: 0, failed: 0 } });
  const queues = await call('GET', '/api/queues');
  expect(queues.body).toEqual(
    expect.arrayContaining([
      { queue: 'mail', ready: 1, delayed: 0, inFlight: 0, failed: 0, patterns: ['user.*'] },
      { queue: 'direct', ready: 0, delayed: 1, inFlight: 0, failed: 0, patterns: [] },
    ]),
  );
});

test('bad bodies are 400 with the field named', async () => {
  const missing = await call('POST', '/api/publish', { data: 1 });
  expect(missing).toMatchObject({ status: 400, body: { field: 'body.name' } });
  const extra = await call('POST', '/api/publish', { name: 'a.b', nmae: 'typo' });
  expect(extra).toMatchObject({ status: 400, body: { field: 'body.nmae' } });
  const badName = await call('POST', '/api/publish', { name: 'bad name!' });
  expect(badName).toMatchObject({ status: 400, body: { code: 'ERR_WRKR_VALIDATION', field: 'event.name' } });
  const badWhen = await call('POST', '/api/queues/q/send', { name: 'a.b', when: 'whenever' });
  expect(badWhen).toMatchObject({ status: 400, body: { field: 'event.when' } });
  const badHeaders = await call('POST', '/api/publish', { name: 'a.b', headers: { n: { x: 1 } } });
  expect(badHeaders).toMatchObject({ status: 400, body: { field: 'body.headers.n' } });
  const badRule = await call('PUT', '/api/schedules/s', { every: '1m', cron: '* * * * *', event: { name: 'a.b' } });
  expect(badRule).toMatchObject({ status: 400, body: { field: 'rule.cron' } });
  expect((await call('POST', '/api/ack', { queue: 'q', id: 'x' })).body).toMatchObject({ field: 'body.token' });
});

test('schedules: reschedule (upsert), list, get, trigger, pause, resume, delete', async () => {
  await wrkr.bind('reports', 'report.*');
  const put = await call('PUT', '/api/schedules/nightly', { cron: '0 2 * * *', tz: 'Europe/Amsterdam', event: { name: 'report.run', data: { full: true } } });
  expect(put).toMatchObject({ status: 200, body: { name: 'nightly', active: true, rule: { cron: '0 2 * * *', tz: 'Europe/Amsterdam' } } });
  const re = await call('PUT', '/api/schedules/nightly', { every: '10m', event: { name: 'report.run' } });
  expect(re.body.rule).toEqual({ every: 600_000 });
  expect((await call('GET', '/api/schedules')).body).toEqual([expect.objectContaining({ name: 'nightly', nextRunAt: expect.any(String) })]);
  expect((await call('GET', '/api/schedules/nightly')).body).toMatchObject({ name: 'nightly', event: { name: 'report.run' } });
  expect((await call('GET', '/api/schedules/none')).status).toBe(404);
  expect((await call('POST', '/api/schedules/nightly/trigger')).body).toMatchObject({ id: expect.any(String) });
  expect(await wrkr.stats('reports')).toMatchObject({ ready: 1 });
  expect((await call('POST', '/api/schedules/nightly/pause')).body).toMatchObject({ active: false });
  expect((await call('POST', '/api/schedules/nightly/resume')).body).toMatchObject({ active: true });
  expect((await call('POST', '/api/schedules/none/pause')).status).toBe(404);
  expect(await call('DELETE', '/api/schedules/nightly')).toEqual({ status: 200, body: { name: 'nightly', removed: true } });
  expect((await call('DELETE', '/api/schedules/nightly')).status).toBe(404);
});

test('failed items: list with error and stack, replay, purge; workers with heartbeat age', async () => {
  await wrkr.send('jobs', [{ name: 'job.a', data: { n: 1 } }, { name: 'job.b' }]);
  for (let i = 0; i < 2; i++) await wrkr.nack((await wrkr.fetch('jobs'))!, { fail: true, error: new Error(`boom ${i}`) });
  const failed = await call('GET', '/api/queues/jobs/failed?limit=10');
  expect(failed.body).toEqual([
    expect.objectContaining({ name: 'job.a', data: { n: 1 }, attempt: 1, error: expect.objectContaining({ message: 'boom 0', stack: expect.stringContaining('Error: boom 0') }) }),
    expect.objectContaining({ name: 'job.b' }),
  ]);
  expect((await call('GET', '/api/queues/jobs/failed?limit=0')).status).toBe(400);
  expect((await call('POST', '/api/queues/jobs/failed/replay', { ids: [failed.body[0].id] })).body).toEqual({ count: 1 });
  expect((await call('POST', '/api/queues/jobs/failed/purge', {})).body).toEqual({ count: 1 });
  expect(await wrkr.stats('jobs')).toMatchObject({ ready: 1, failed: 0 });
  const workers = await call('GET', '/api/workers');
  expect(workers.body).toEqual([expect.objectContaining({ id: 'api-test', heartbeatAgeMs: expect.any(Number) })]);
});

test('OpenAPI document lists every API route; the dashboard is served at /', async () => {
  const doc = (await call('GET', '/openapi.json')).body;
  expect(doc.openapi).toMatch(/^3\./);
  expect(Object.keys(doc.paths).sort()).toEqual([
    '/api/ack',
    '/api/extend',
    '/api/nack',
    '/api/pending',
    '/api/pending/{id}',
    '/api/publish',
    '/api/queues',
    '/api/queues/{queue}/ack',
    '/api/queues/{queue}/counters',
    '/api/queues/{queue}/events',
    '/api/queues/{queue}/failed',
    '/api/queues/{queue}/failed/purge',
    '/api/queues/{queue}/failed/replay',
    '/api/queues/{queue}/fetch',
    '/api/queues/{queue}/jobs',
    '/api/queues/{queue}/jobs/{id}',
    '/api/queues/{queue}/jobs/{id}/abort',
    '/api/queues/{queue}/limits',
    '/api/queues/{queue}/nack',
    '/api/queues/{queue}/pause',
    '/api/queues/{queue}/resume',
    '/api/queues/{queue}/send',
    '/api/queues/{queue}/stats',
    '/api/schedules',
    '/api/schedules/{name}',
    '/api/schedules/{name}/pause',
    '/api/schedules/{name}/resume',
    '/api/schedules/{name}/trigger',
    '/api/workers',
    '/metrics',
  ]);
  expect(doc.paths['/api/publish'].post.requestBody.content['application/json'].schema.required).toEqual(['name']);
  const page = await fetch(base + '/');
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(await page.text()).toContain('<script type="module" src="/app/main.js">');
  expect((await fetch(base + '/app/main.js')).status).toBe(200);
});

test('auth: bearer or basic required on /api when configured; refuses to listen beyond loopback without it', async () => {
  const auth = { token: 's3cret', basic: { user: 'ops', password: 'pw' } };
  const secured = await createServer({ wrkr, auth });
  try {
    const url = (await listen(secured, { host: '127.0.0.1', port: 0, auth })) + '/api/queues';
    expect((await fetch(url)).status).toBe(401);
    const wrong = await fetch(url, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await fetch(url, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    const basic = `Basic ${Buffer.from('ops:pw').toString('base64')}`;
    expect((await fetch(url, { headers: { authorization: basic } })).status).toBe(200);
    expect((await fetch(url, { headers: { authorization: `Basic ${Buffer.from('ops:no').toString('base64')}` } })).status).toBe(401);
    expect((await fetch(url.replace('/api/queues', '/health'))).status).toBe(200);
  } finally {
    await secured.close();
  }
  const open = await createServer({ wrkr });
  await expect(listen(open, { host: '0.0.0.0', port: 0 })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without auth/);
  await open.close();
});

test('pull API over plain HTTP: fetch with a lease, extend, ack; nack retry and fail; stale lease is 409', async () => {
  const url = base;
  const post = async (path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    return { status: res.status, body: await res.json() };
  };
  expect((await post('/api/queues/ext/fetch')).body).toEqual({ item: null });
  await post('/api/queues/ext/send', { name: 'img.resize', data: { w: 100 } });
  await post('/api/queues/ext/send', { name: 'img.crop' });

  const first = (await post('/api/queues/ext/fetch', { visibilityTimeout: '10s' })).body.item;
  expect(first).toMatchObject({ queue: 'ext', attempt: 1, event: { name: 'img.resize', data: { w: 100 } } });
  const lease = { queue: first.queue, id: first.id, token: first.token };
  const extended = await post('/api/extend', { ...lease, duration: '1m' });
  expect(Date.parse(extended.body.leaseUntil)).toBeGreaterThan(Date.now() + 50_000);
  expect(await post('/api/ack', lease)).toEqual({ status: 200, body: { ok: true } });
  expect(await post('/api/ack', lease)).toMatchObject({ status: 409, body: { code: 'ERR_WRKR_STALE_LEASE' } });

  const second = (await post('/api/queues/ext/fetch')).body.item;
  expect((await post('/api/nack', { queue: 'ext', id: second.id, token: second.token, error: { message: 'try later' } })).status).toBe(200);
  const again = (await post('/api/queues/ext/fetch', { wait: '1s' })).body.item;
  expect(again).toMatchObject({ id: second.id, attempt: 2 });
  expect((await post('/api/nack', { queue: 'ext', id: again.id, token: again.token, fail: true, error: { message: 'gave up', name: 'ResizeError' } })).status).toBe(200);
  const res = await fetch(`${url}/api/queues/ext/failed`);
  expect(await res.json()).toEqual([expect.objectContaining({ id: second.id, attempt: 2, error: expect.objectContaining({ message: 'gave up', name: 'ResizeError' }) })]);
});

test('sticky pull over HTTP: a worker that lost its token fetches its item again, then acks or nacks it by worker id', async () => {
  const post = async (path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    return { status: res.status, body: await res.json() };
  };
  await post('/api/queues/sticky/send', { name: 'img.resize' });
  await post('/api/queues/sticky/send', { name: 'img.crop' });
  const first = (await post('/api/queues/sticky/fetch', { worker: 'ext-1', visibilityTimeout: '1m' })).body.item;
  expect(first).toMatchObject({ queue: 'sticky', attempt: 1, event: { name: 'img.resize' } });
  const again = (await post('/api/queues/sticky/fetch', { worker: 'ext-1' })).body.item;
  expect(again).toMatchObject({ id: first.id, attempt: 2 });
  expect(again.token).not.toBe(first.token);
  expect((await post('/api/queues/sticky/fetch', { worker: 'ext-2' })).body.item).toMatchObject({ event: { name: 'img.crop' } });
  expect(await post('/api/queues/sticky/ack', { worker: 'ext-1' })).toEqual({ status: 200, body: { ok: true } });
  expect(await post('/api/queues/sticky/ack', { worker: 'ext-1' })).toMatchObject({ status: 409, body: { code: 'ERR_WRKR_STALE_LEASE', queue: 'sticky' } });
  expect(await post('/api/queues/sticky/nack', { worker: 'ext-2', fail: true, error: { message: 'bad image', name: 'ImageError' } })).toEqual({ status: 200, body: { ok: true } });
  expect(await wrkr.failed('sticky')).toEqual([expect.objectContaining({ attempt: 1, error: expect.objectContaining({ message: 'bad image', name: 'ImageError' }) })]);
  expect(await post('/api/queues/sticky/fetch', { worker: 'has space' })).toMatchObject({ status: 400, body: { code: 'ERR_WRKR_VALIDATION', field: 'body.worker' } });
  expect(await post('/api/queues/sticky/ack', {})).toMatchObject({ status: 400, body: { field: 'body.worker' } });
  expect(await post('/api/queues/sticky/nack', { worker: 'ext-2', token: 'x' })).toMatchObject({ status: 400, body: { code: 'ERR_WRKR_VALIDATION' } });
  expect(await wrkr.stats('sticky')).toMatchObject({ ready: 0, inFlight: 0 });
});
