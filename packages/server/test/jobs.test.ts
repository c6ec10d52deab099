import { expectApiError, startApi, type Api } from './harness';

let api: Api;

beforeEach(async () => {
  api = await startApi();
});

afterEach(async () => {
  await api.close();
});

test('GET /api/queues/:q/jobs/:id shows a job in each state it passes through', async () => {
  const { wrkr, call } = api;
  const { id } = await wrkr.send('orders', { name: 'order.placed', tid: 'o-1', data: { total: 12 }, headers: { trace: 't' } });
  const ready = await call('GET', `/api/queues/orders/jobs/${id}`);
  expect(ready).toEqual({
    status: 200,
    body: { queue: 'orders', id, state: 'ready', name: 'order.placed', tid: 'o-1', data: { total: 12 }, headers: { trace: 't' }, attempt: 0, createdAt: expect.any(String), updatedAt: expect.any(String) },
  });
  const item = await wrkr.fetch('orders', { visibilityTimeout: '1m' });
  expect(item?.event.id).toBe(id);
  const leased = await call('GET', `/api/queues/orders/jobs/${id}`);
  expect(leased.body).toMatchObject({ state: 'inFlight', attempt: 1, leaseUntil: expect.any(String) });
  await wrkr.nack(item!, { fail: true, error: 'no stock' });
  const failed = await call('GET', `/api/queues/orders/jobs/${id}`);
  expect(failed.body).toMatchObject({ state: 'failed', attempt: 1, error: { message: 'no stock' } });
});

test('a job the queue does not hold is a typed 404; a bad id a 400', async () => {
  const missing = await api.call('GET', '/api/queues/orders/jobs/nope');
  expect(missing.status).toBe(404);
  expectApiError(missing.body, 404, 'ERR_WRKR_NOT_FOUND');
  const bad = await api.call('GET', `/api/queues/orders/jobs/${encodeURIComponent('a b')}`);
  expect(bad.status).toBe(400);
  expectApiError(bad.body, 400, 'ERR_WRKR_VALIDATION');
});

test('GET /api/queues/:q/jobs lists one state in its order, paged; bad queries are 400', async () => {
  const { wrkr, call } = api;
  const later = await wrkr.send('orders', { name: 'order.later', when: '2h' });
  const sooner = await wrkr.send('orders', { name: 'order.sooner', when: '1h' });
  const page = await call('GET', '/api/queues/orders/jobs?state=delayed');
  expect(page.status).toBe(200);
  expect(page.body.map((j: { id: string }) => j.id)).toEqual([sooner.id, later.id]);
  expect(page.body[0]).toMatchObject({ state: 'delayed', name: 'order.sooner', dueAt: expect.any(String) });
  expect((await call('GET', '/api/queues/orders/jobs?state=delayed&limit=1&offset=1')).body.map((j: { id: string }) => j.id)).toEqual([later.id]);
  expect((await call('GET', '/api/queues/orders/jobs?state=ready')).body).toEqual([]);
  for (const query of ['', '?state=bogus', '?state=ready&limit=0', '?state=ready&limit=1001', '?state=ready&offset=-1', '?state=ready&extra=1']) {
    const bad = await call('GET', `/api/queues/orders/jobs${query}`);
    expect(bad.status).toBe(400);
    expectApiError(bad.body, 400);
  }
});

test('completed jobs kept by keepCompleted are listed with state=completed and found by id, with their result', async () => {
  const { wrkr, call } = api;
  const done = new Promise((resolve) => wrkr.once('completed', resolve));
  await wrkr.subscribe('reports', null, (e) => ({ rows: (e.data as { n: number }).n * 2 }), { keepCompleted: { count: 10, age: '1h' } });
  const { id } = await wrkr.send('reports', { name: 'report.run', data: { n: 21 } });
  await done;
  const page = await call('GET', '/api/queues/reports/jobs?state=completed');
  expect(page.status).toBe(200);
  expect(page.body).toEqual([{ queue: 'reports', id, state: 'completed', name: 'report.run', data: { n: 21 }, attempt: 1, createdAt: expect.any(String), updatedAt: expect.any(String), result: { rows: 42 } }]);
  expect((await call('GET', `/api/queues/reports/jobs/${id}`)).body).toEqual(page.body[0]);
});

test('POST /api/ack with keepCompleted keeps the pulled item with its result; result alone is a 400', async () => {
  const { wrkr, call } = api;
  const { id } = await wrkr.send('pulled', { name: 'pull.me' });
  const item = await wrkr.fetch('pulled');
  const lease = { queue: 'pulled', id, token: item!.token };
  const alone = await call('POST', '/api/ack', { ...lease, result: 1 });
  expect(alone.status).toBe(400);
  expectApiError(alone.body, 400, 'ERR_WRKR_VALIDATION');
  expect((await call('POST', '/api/ack', { ...lease, result: { ok: true }, keepCompleted: { count: 5, age: '10m' } })).status).toBe(200);
  expect((await call('GET', `/api/queues/pulled/jobs/${id}`)).body).toMatchObject({ state: 'completed', result: { ok: true } });
});
