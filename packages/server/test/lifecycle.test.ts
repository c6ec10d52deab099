import { startApi, type Api } from './harness';

let api: Api;
beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

test('GET /api/queues/:queue/events streams the lifecycle of that queue as server-sent events; counters move', async () => {
  await api.wrkr.subscribe('jobs', 'job.#', (e) => ({ done: e.name }));
  const abort = new AbortController();
  const res = await fetch(`${api.base}/api/queues/jobs/events`, { signal: abort.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  await api.wrkr.publish({ name: 'job.one' });
  while (!text.includes('event: completed')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
  }
  abort.abort();
  const frames = text.split('\n\n').filter((f) => f.startsWith('event: '));
  expect(frames.map((f) => f.split('\n')[0])).toEqual(['event: active', 'event: completed']);
  expect(JSON.parse(frames[1]!.split('\n')[1]!.slice('data: '.length))).toMatchObject({ kind: 'completed', queue: 'jobs', name: 'job.one', attempt: 1, result: { done: 'job.one' } });
  expect((await api.call('GET', '/api/queues/jobs/counters')).body).toMatchObject({ completed: 1, failed: 0, retried: 0, since: expect.any(Number) });
});

test('the events route and counters refuse a bad queue name with a 400', async () => {
  for (const path of [`/api/queues/${'x'.repeat(300)}/events`, `/api/queues/${'x'.repeat(300)}/counters`]) {
    const res = await api.call('GET', path);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ERR_WRKR_VALIDATION');
  }
});
