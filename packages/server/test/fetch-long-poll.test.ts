import { startApi, type Api } from './harness';

let api: Api;
beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a client that hangs up on a long poll takes nothing: the next item stays ready for others', async () => {
  const hangUp = new AbortController();
  const poll = fetch(`${api.base}/api/queues/jobs/fetch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ wait: '30s', visibilityTimeout: '1h' }),
    signal: hangUp.signal,
  }).catch((err: unknown) => err);
  await sleep(200);
  hangUp.abort();
  expect(await poll).toMatchObject({ name: 'AbortError' });
  await sleep(100);
  await api.wrkr.send('jobs', { name: 'job.run' });
  await sleep(100);
  expect(await api.wrkr.stats('jobs')).toEqual({ ready: 1, delayed: 0, inFlight: 0, failed: 0 });
  const taken = await api.call('POST', '/api/queues/jobs/fetch', {});
  expect(taken.body.item).toMatchObject({ attempt: 1, event: { name: 'job.run' } });
});

test('a client that hangs up after the claim, before the answer is written, gets its item given back', async () => {
  await api.close();
  api = await startApi({ beforeListen: (app) => app.addHook('onSend', async () => sleep(400)) });
  await api.wrkr.send('jobs', { name: 'job.run' });
  const hangUp = new AbortController();
  const poll = fetch(`${api.base}/api/queues/jobs/fetch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ visibilityTimeout: '1h' }), signal: hangUp.signal }).catch((err: unknown) => err);
  await sleep(150);
  expect(await api.wrkr.stats('jobs')).toMatchObject({ ready: 0, inFlight: 1 });
  hangUp.abort();
  expect(await poll).toMatchObject({ name: 'AbortError' });
  await sleep(600);
  expect(await api.wrkr.stats('jobs')).toMatchObject({ ready: 1, inFlight: 0 });
});

test('a worker that hangs up after the claim keeps its item: its next fetch gets it back', async () => {
  await api.close();
  api = await startApi({ beforeListen: (app) => app.addHook('onSend', async () => sleep(400)) });
  await api.wrkr.send('jobs', [{ name: 'job.run' }, { name: 'job.next' }]);
  const hangUp = new AbortController();
  const body = JSON.stringify({ worker: 'ext-1', visibilityTimeout: '1h' });
  const poll = fetch(`${api.base}/api/queues/jobs/fetch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: hangUp.signal }).catch((err: unknown) => err);
  await sleep(150);
  hangUp.abort();
  expect(await poll).toMatchObject({ name: 'AbortError' });
  await sleep(600);
  expect(await api.wrkr.stats('jobs')).toMatchObject({ ready: 1, inFlight: 1 });
  expect((await api.call('POST', '/api/queues/jobs/fetch', { worker: 'ext-1' })).body.item).toMatchObject({ attempt: 2, event: { name: 'job.run' } });
});

test('a long poll that stays connected gets the item as it arrives', async () => {
  const poll = api.call('POST', '/api/queues/jobs/fetch', { wait: '10s' });
  await sleep(100);
  await api.wrkr.send('jobs', { name: 'job.run' });
  expect((await poll).body.item).toMatchObject({ event: { name: 'job.run' } });
});

test.each([
  ['/api/queues/jobs/fetch', { wait: '61s' }, 'body.wait'],
  ['/api/queues/jobs/fetch', { wait: 60_001 }, 'body.wait'],
  ['/api/queues/jobs/fetch', { visibilityTimeout: '13 hours' }, 'body.visibilityTimeout'],
  ['/api/extend', { queue: 'jobs', id: 'i', token: 't', duration: '1 day' }, 'body.duration'],
])('POST %s %j is beyond the documented cap: 400 on %s', async (path, body, field) => {
  await api.wrkr.send('jobs', { name: 'job.run' });
  const res = await api.call('POST', path, body);
  expect(res).toMatchObject({ status: 400, body: { code: 'ERR_WRKR_VALIDATION', field } });
  expect(await api.wrkr.stats('jobs')).toMatchObject({ ready: 1, inFlight: 0 });
});

test('the caps themselves are accepted', async () => {
  await api.wrkr.send('jobs', { name: 'job.run' });
  const res = await api.call('POST', '/api/queues/jobs/fetch', { wait: '60s', visibilityTimeout: '12h' });
  expect(Date.parse(res.body.item.leaseUntil)).toBeGreaterThan(Date.now() + 11 * 3_600_000);
});
