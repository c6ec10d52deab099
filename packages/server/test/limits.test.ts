import { startApi, type Api } from './harness';

let api: Api;
beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

test('PUT and GET a queue\'s limits over HTTP: stored for every process, a duration window in ms, {} and null remove them', async () => {
  expect(await api.call('GET', '/api/queues/mail/limits')).toEqual({ status: 200, body: { queue: 'mail', limits: {} } });
  const set = await api.call('PUT', '/api/queues/mail/limits', { concurrency: 2, rate: { max: 100, per: '1m' } });
  expect(set).toEqual({ status: 200, body: { queue: 'mail', limits: { concurrency: 2, rate: { max: 100, per: 60_000 } } } });
  expect(await api.wrkr.queueLimits('mail')).toEqual({ concurrency: 2, rate: { max: 100, per: 60_000 } });
  expect((await api.call('GET', '/api/queues/mail/stats')).body).toMatchObject({ limits: { concurrency: 2, rate: { max: 100, per: 60_000 } } });
  expect((await api.call('PUT', '/api/queues/mail/limits', {})).body).toEqual({ queue: 'mail', limits: {} });
  await api.call('PUT', '/api/queues/mail/limits', { concurrency: 1 });
  expect((await api.call('PUT', '/api/queues/mail/limits', null)).body).toEqual({ queue: 'mail', limits: {} });
});

test('a concurrency limit set over HTTP holds fetch back until the item in flight is acked', async () => {
  await api.call('PUT', '/api/queues/jobs/limits', { concurrency: 1 });
  await api.call('POST', '/api/queues/jobs/send', { name: 'a' });
  await api.call('POST', '/api/queues/jobs/send', { name: 'b' });
  const first = (await api.call('POST', '/api/queues/jobs/fetch', {})).body.item;
  expect(first).toMatchObject({ event: { name: 'a' }, attempt: 1 });
  expect((await api.call('POST', '/api/queues/jobs/fetch', {})).body.item).toBeNull();
  expect((await api.call('POST', '/api/ack', { queue: 'jobs', id: first.id, token: first.token })).status).toBe(200);
  expect((await api.call('POST', '/api/queues/jobs/fetch', {})).body.item).toMatchObject({ event: { name: 'b' }, attempt: 1 });
});

test('bad limits are refused with a 400 naming the field, and change nothing', async () => {
  await api.call('PUT', '/api/queues/jobs/limits', { concurrency: 3 });
  for (const body of [{ concurrency: 0 }, { concurrency: 'many' }, { rate: { max: 5 } }, { rate: { max: 5, per: 'soon' } }, { rate: { max: 5, per: '2 days' } }, { burst: 1 }]) {
    const res = await api.call('PUT', '/api/queues/jobs/limits', body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ERR_WRKR_VALIDATION');
  }
  expect((await api.call('GET', '/api/queues/jobs/limits')).body.limits).toEqual({ concurrency: 3 });
});

test('group limits over HTTP: stored with the window in ms, one item per tenant in flight, other tenants served beside it', async () => {
  const set = await api.call('PUT', '/api/queues/mail/limits', { concurrency: 10, group: { by: 'tenant', concurrency: 1, rate: { max: 50, per: '1m' } } });
  const limits = { concurrency: 10, group: { by: 'tenant', concurrency: 1, rate: { max: 50, per: 60_000 } } };
  expect(set).toEqual({ status: 200, body: { queue: 'mail', limits } });
  expect((await api.call('GET', '/api/queues/mail/limits')).body.limits).toEqual(limits);
  for (const tenant of ['a', 'a', 'b']) await api.call('POST', '/api/queues/mail/send', { name: 'mail.send', headers: { tenant } });
  const first = (await api.call('POST', '/api/queues/mail/fetch', {})).body.item;
  const second = (await api.call('POST', '/api/queues/mail/fetch', {})).body.item;
  expect([first.event.headers.tenant, second.event.headers.tenant].sort()).toEqual(['a', 'b']);
  expect((await api.call('POST', '/api/queues/mail/fetch', {})).body.item).toBeNull();
  expect((await api.call('PUT', '/api/queues/mail/limits', { concurrency: 10 })).body.limits).toEqual({ concurrency: 10 });
});

test('bad group limits are refused with a 400, and change nothing', async () => {
  await api.call('PUT', '/api/queues/jobs/limits', { group: { by: 'tid', concurrency: 2 } });
  const bad = [{ group: { by: 'tid' } }, { group: { by: '', concurrency: 1 } }, { group: { concurrency: 1 } }, { group: { by: 'tid', concurrency: 0 } }, { group: { by: 'tid', rate: { max: 5, per: 'soon' } } }, { group: { by: 'tid', concurrency: 1, weight: 2 } }, { group: 'tid' }];
  for (const body of bad) {
    const res = await api.call('PUT', '/api/queues/jobs/limits', body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ERR_WRKR_VALIDATION');
  }
  expect((await api.call('GET', '/api/queues/jobs/limits')).body.limits).toEqual({ group: { by: 'tid', concurrency: 2 } });
});
