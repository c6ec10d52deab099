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
