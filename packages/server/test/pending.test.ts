import { expectApiError, startApi, type Api } from './harness';

let api: Api;

beforeEach(async () => {
  api = await startApi();
});

afterEach(async () => {
  await api.close();
});

test('GET /api/pending lists delayed publishes soonest first; DELETE /api/pending/:id cancels one', async () => {
  const { wrkr, call } = api;
  const later = await wrkr.publish({ name: 'remind.later', when: '2h' });
  const sooner = await wrkr.publish({ name: 'remind.sooner', tid: 'u-1', when: '1h' });
  const page = await call('GET', '/api/pending');
  expect(page).toEqual({
    status: 200,
    body: [
      { id: sooner.id, name: 'remind.sooner', tid: 'u-1', dueAt: new Date(sooner.dueAt).toISOString() },
      { id: later.id, name: 'remind.later', dueAt: new Date(later.dueAt).toISOString() },
    ],
  });
  expect((await call('GET', '/api/pending?limit=1&offset=1')).body.map((p: { id: string }) => p.id)).toEqual([later.id]);
  expect(await call('DELETE', `/api/pending/${sooner.id}`)).toEqual({ status: 200, body: { id: sooner.id, cancelled: true } });
  expect((await call('GET', '/api/pending')).body.map((p: { id: string }) => p.id)).toEqual([later.id]);
  const again = await call('DELETE', `/api/pending/${sooner.id}`);
  expect(again.status).toBe(404);
  expectApiError(again.body, 404, 'ERR_WRKR_NOT_FOUND');
  expect((await call('GET', '/api/pending?limit=0')).status).toBe(400);
});
