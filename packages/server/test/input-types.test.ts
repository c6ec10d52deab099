import { startApi, expectApiError, type Api } from './harness';

let api: Api;
beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

test.each([
  ['/api/publish', { name: 123 }, 'body.name'],
  ['/api/publish', { name: 'a.b', tid: 5 }, 'body.tid'],
  ['/api/publish', { name: 'a.b', headers: { a: 1 } }, 'body.headers.a'],
  ['/api/publish', { name: 'a.b', id: 7 }, 'body.id'],
  ['/api/publish', { name: 'a.b', when: true }, 'body.when'],
  ['/api/publish', { name: 'a.b', when: '5' as unknown as number, headers: { a: true } }, 'body.headers.a'],
  ['/api/queues/q/send', { name: ['a.b'] }, 'body.name'],
  ['/api/queues/q/failed/replay', { ids: 'x' }, 'body.ids'],
  ['/api/queues/q/failed/purge', { ids: [1] }, 'body.ids.0'],
  ['/api/queues/q/fetch', { wait: false }, 'body.wait'],
  ['/api/ack', { queue: 'q', id: 1, token: 't' }, 'body.id'],
  ['/api/nack', { queue: 'q', id: 'i', token: 't', fail: 'yes' }, 'body.fail'],
  ['/api/extend', { queue: 'q', id: 'i', token: 't', duration: null }, 'body.duration'],
])('POST %s %j is refused with a 400 naming %s, and nothing is stored', async (path, body, field) => {
  const res = await api.call('POST', path, body);
  expect(res.status).toBe(400);
  expectApiError(res.body, 400, 'ERR_WRKR_VALIDATION');
  expect(res.body.field).toBe(field);
  expect(await api.wrkr.queues()).toEqual([]);
});

test('a schedule with a wrong type is refused and not stored', async () => {
  for (const [body, field] of [
    [{ every: true, event: { name: 'a.b' } }, 'body.every'],
    [{ every: '1m', active: 'false', event: { name: 'a.b' } }, 'body.active'],
    [{ every: '1m', event: { name: 'a.b', tid: 1 } }, 'body.event.tid'],
  ] as const) {
    const res = await api.call('PUT', '/api/schedules/s', body);
    expect(res).toMatchObject({ status: 400, body: { code: 'ERR_WRKR_VALIDATION', field } });
  }
  expect(await api.wrkr.schedules()).toEqual([]);
});

test('query integers are parsed from plain decimal text only', async () => {
  await api.wrkr.send('jobs', [{ name: 'job.a' }, { name: 'job.b' }]);
  for (let i = 0; i < 2; i++) await api.wrkr.nack((await api.wrkr.fetch('jobs'))!, { fail: true });
  expect((await api.call('GET', '/api/queues/jobs/failed?limit=1&offset=1')).body).toEqual([expect.objectContaining({ name: 'job.b' })]);
  for (const query of ['limit=1e1', 'limit=%201', 'limit=0x5', 'limit=', 'limit=1&limit=2', 'offset=-1', 'limit=1.5', 'limit[a]=1']) {
    const res = await api.call('GET', `/api/queues/jobs/failed?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'ERR_WRKR_VALIDATION', field: expect.stringMatching(/^querystring\./) });
  }
});
