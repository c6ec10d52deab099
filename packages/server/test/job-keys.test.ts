import { expectApiError, startApi, type Api } from './harness';

let api: Api;

beforeEach(async () => {
  api = await startApi();
});

afterEach(async () => {
  await api.close();
});

test('POST /api/queues/:queue/send and /api/publish with a key reports what it did; a debounced publish with when replaces the pending one', async () => {
  const { wrkr, call } = api;
  const first = await call('POST', '/api/queues/q/send', { name: 'k.a', key: 'user-1' });
  expect(first).toEqual({ status: 200, body: { id: expect.any(String), dueAt: expect.any(Number), keyed: [{ queue: 'q', outcome: 'added' }], dropped: false } });
  const second = await call('POST', '/api/queues/q/send', { name: 'k.a', key: 'user-1', keyMode: 'dedupe' });
  expect(second.body).toMatchObject({ keyed: [{ queue: 'q', outcome: 'deduped', id: first.body.id }], dropped: true });
  expect(await wrkr.stats('q')).toMatchObject({ ready: 1 });

  await wrkr.bind('idx', 'reindex.#');
  const a = await call('POST', '/api/publish', { name: 'reindex.search', data: 1, key: 'search', keyMode: 'debounce', when: '1h' });
  const b = await call('POST', '/api/publish', { name: 'reindex.search', data: 2, key: 'search', keyMode: 'debounce', when: '2h' });
  expect(b.body).toMatchObject({ keyed: [{ outcome: 'replaced', id: a.body.id }], dropped: false });
  expect((await wrkr.pending()).map((p) => p.id)).toEqual([b.body.id]);

  const t = await call('POST', '/api/queues/q/send', { name: 'k.t', key: 'digest', keyMode: 'throttle', keyTtl: '1m' });
  expect(t.body).toMatchObject({ dropped: false });
});

test.each([
  [{ key: '' }],
  [{ key: 'k', keyMode: 'sometimes' }],
  [{ key: 'k', keyMode: 'throttle' }],
  [{ key: 'k', keyTtl: '1m' }],
  [{ keyMode: 'dedupe' }],
])('a bad key body %p is a 400 and stores nothing', async (fields) => {
  const { wrkr, call } = api;
  const r = await call('POST', '/api/queues/q/send', { name: 'k.bad', ...fields });
  expect(r.status).toBe(400);
  expectApiError(r.body, 400, 'ERR_WRKR_VALIDATION');
  expect(await wrkr.stats('q')).toMatchObject({ ready: 0, delayed: 0 });
});
