import { startApi, type Api } from './harness';

let api: Api;
beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

test('pause and resume a queue over HTTP: fetch gets nothing while paused, stats say so, resume hands the item out', async () => {
  expect((await api.call('POST', '/api/queues/jobs/send', { name: 'a' })).status).toBe(200);
  expect(await api.call('POST', '/api/queues/jobs/pause')).toEqual({ status: 200, body: { queue: 'jobs', paused: true } });
  expect((await api.call('GET', '/api/queues/jobs/stats')).body).toMatchObject({ ready: 1, paused: true });
  expect((await api.call('POST', '/api/queues/jobs/fetch', {})).body.item).toBeNull();
  expect(await api.call('POST', '/api/queues/jobs/resume')).toEqual({ status: 200, body: { queue: 'jobs', paused: false } });
  expect((await api.call('GET', '/api/queues/jobs/stats')).body.paused).toBeUndefined();
  expect((await api.call('POST', '/api/queues/jobs/fetch', {})).body.item).toMatchObject({ queue: 'jobs', event: { name: 'a' } });
});

test('pause refuses a bad queue name with a 400 naming the field', async () => {
  const res = await api.call('POST', `/api/queues/${'x'.repeat(300)}/pause`);
  expect(res.status).toBe(400);
  expect(res.body.code).toBe('ERR_WRKR_VALIDATION');
});

test('abort a running job over HTTP: the handler sees its signal abort, the job goes to the failed store with fail: true', async () => {
  let started!: (id: string) => void;
  const running = new Promise<string>((resolve) => (started = resolve));
  await api.wrkr.subscribe('jobs', 'job.long', (e, ctx) => new Promise((_, reject) => {
    started(e.id);
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
  }));
  await api.wrkr.publish({ name: 'job.long' });
  const id = await running;
  expect(await api.call('POST', `/api/queues/jobs/jobs/${id}/abort`, { reason: 'stuck', fail: true })).toEqual({ status: 200, body: { aborted: true } });
  await new Promise((resolve) => api.wrkr.once('failed', resolve));
  expect((await api.call('GET', '/api/queues/jobs/failed')).body).toEqual([expect.objectContaining({ id, error: expect.objectContaining({ code: 'ERR_WRKR_ABORTED' }) })]);
  expect(await api.call('POST', `/api/queues/jobs/jobs/${id}/abort`)).toEqual({ status: 200, body: { aborted: false } });
  expect((await api.call('POST', `/api/queues/jobs/jobs/${id}/abort`, { fail: 'yes' })).status).toBe(400);
});
