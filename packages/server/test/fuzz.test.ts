import fc from 'fast-check';
import { expectApiError, startApi, type Api } from './harness';

// Generated bodies against every write route on a real server: each answer is a success or a typed 4xx in
// the ApiError shape, never a 5xx, and a refused input stores nothing.
let api: Api;
beforeAll(async () => {
  api = await startApi();
  await api.wrkr.bind('all', '#');
});
afterAll(() => api.close());

const RUNS = { numRuns: 100 };

/** Values of every JSON type, from the plausible to the hostile. */
const anyJson = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, '', ' ', 'a.b', '5m', '1e3', '2027-01-01T00:00:00Z', '__proto__', 'constructor'),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
);
const name = fc.oneof(fc.constantFrom('a.b', 'ourapp.user.added', 'x', 'a..b', '.a', 'a b', 'ü.x', 'a.*', 'x'.repeat(300)), fc.stringMatching(/^[a-z]{1,5}(\.[a-z]{1,5}){0,3}$/), anyJson);
const duration = fc.oneof(fc.constantFrom(0, 50, 1000, '10s', '90 minutes', '1 day and 3 hours', 'whenever', '-5s', '99999999999 years'), fc.nat(), anyJson);
const headers = fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), anyJson), { maxKeys: 3 }), anyJson);

/** An event body: each field present or not, valid or not, sometimes an unknown field. */
const eventBody = fc.record(
  { name, tid: fc.oneof(fc.string({ maxLength: 20 }), anyJson), data: fc.jsonValue({ maxDepth: 4 }), headers, id: fc.oneof(fc.string({ maxLength: 30 }), anyJson), when: duration, extra: anyJson },
  { requiredKeys: [] },
);
const body = (record: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> => fc.oneof({ weight: 8, arbitrary: record }, { weight: 1, arbitrary: anyJson });
const queue = fc.oneof(fc.constantFrom('orders', 'a:b-c_d', 'x.y', '.x', 'a b', 'a/b', '%2e', 'x'.repeat(300), 'x'.repeat(1100)), fc.string({ minLength: 1, maxLength: 12 }));

async function totals(): Promise<string> {
  const queues = await api.wrkr.queues();
  // Items whatever their state, over every queue plus the delayed publishes not yet routed: one that
  // falls due during the run moves from pending into the one queue bound ('all', to '#'), so the sum holds.
  const items = await Promise.all(queues.map(async (q) => api.wrkr.stats(q).then((s) => s.ready + s.delayed + s.inFlight + s.failed)));
  const pending = (await api.wrkr.pending({ limit: 1000 })).length;
  return JSON.stringify({ items: items.reduce((a, b) => a + b, 0) + pending, queues: queues.length, schedules: (await api.wrkr.schedules()).map((s) => [s.name, s.rule, s.active]) });
}

/** POST/PUT `payload` and check the answer; returns the status and body. */
async function attempt(method: string, path: string, payload: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(api.base + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  const body = JSON.parse(await res.text());
  expect(res.status).toBeLessThan(500);
  if (res.status >= 400) expectApiError(body, res.status);
  return { status: res.status, body };
}

/** Refused inputs change nothing; accepted ones may. */
async function refusedStoresNothing(method: string, path: string, payload: unknown): Promise<{ status: number; body: any }> {
  const before = await totals();
  const res = await attempt(method, path, payload);
  if (res.status >= 400) expect(await totals()).toBe(before);
  return res;
}

/** An accepted event that is due now is stored exactly as given: no field was converted on the way (a delivered event always has headers, `{}` when none were given). */
async function storedAsGiven(queue: string, payload: unknown, res: { status: number; body: any }): Promise<void> {
  if (res.status !== 200 || res.body.dueAt > Date.now()) return;
  const item = await api.wrkr.fetch(queue);
  expect(item?.event.id).toBe(res.body.id);
  const given = payload as Record<string, unknown>;
  const { name, tid, data, headers } = item!.event;
  expect(JSON.parse(JSON.stringify({ name, tid, data, headers }))).toEqual(JSON.parse(JSON.stringify({ name: given.name, tid: given.tid, data: given.data, headers: given.headers ?? {} })));
  await api.wrkr.ack(item!);
}

test('publish: every body is accepted or refused with a typed 4xx, and a refused one stores nothing', async () => {
  await fc.assert(fc.asyncProperty(body(eventBody), async (b) => storedAsGiven('all', b, await refusedStoresNothing('POST', '/api/publish', b))), { ...RUNS, examples: [[{ name: 'a' }]] });
});

test('send: any queue name and body', async () => {
  await fc.assert(
    fc.asyncProperty(queue, body(eventBody), async (q, b) => storedAsGiven(q, b, await refusedStoresNothing('POST', `/api/queues/${encodeURIComponent(q)}/send`, b))),
    RUNS,
  );
});

test('schedule: any rule, event and name', async () => {
  const scheduleBody = fc.record(
    { every: duration, cron: fc.oneof(fc.constantFrom('* * * * *', '0 2 * * *', '61 * * * *', 'nope'), anyJson), tz: fc.oneof(fc.constantFrom('Europe/Amsterdam', 'Mars/Base'), anyJson), active: anyJson, event: fc.oneof(eventBody, anyJson), extra: anyJson },
    { requiredKeys: [] },
  );
  await fc.assert(fc.asyncProperty(queue, body(scheduleBody), async (n, b) => void (await refusedStoresNothing('PUT', `/api/schedules/${encodeURIComponent(n)}`, b))), RUNS);
});

test('fetch, ack, nack and extend: leases that do not hold change nothing', async () => {
  await api.wrkr.send('pull', Array.from({ length: 5 }, () => ({ name: 'job.run' })));
  const lease = fc.record({ queue: fc.oneof(fc.constant('pull'), queue, anyJson), id: fc.oneof(fc.string({ maxLength: 30 }), anyJson), token: fc.oneof(fc.string({ maxLength: 30 }), anyJson) }, { requiredKeys: [] });
  const nack = fc.record({ delay: duration, fail: anyJson, error: fc.oneof(fc.record({ message: anyJson, name: anyJson, stack: anyJson }, { requiredKeys: [] }), anyJson) }, { requiredKeys: [] });
  const fetchBody = fc.record({ visibilityTimeout: duration, wait: fc.oneof(fc.constantFrom(0, '0s', 61_000), anyJson), extra: anyJson }, { requiredKeys: [] });
  const call = fc.oneof(
    fc.tuple(fc.constant('/api/ack'), body(lease)),
    fc.tuple(fc.constant('/api/nack'), body(fc.tuple(lease, nack).map(([l, n]) => ({ ...l, ...n })))),
    fc.tuple(fc.constant('/api/extend'), body(fc.tuple(lease, fc.record({ duration }, { requiredKeys: [] })).map(([l, d]) => ({ ...l, ...d })))),
  );
  await fc.assert(fc.asyncProperty(call, async ([path, b]) => void (await refusedStoresNothing('POST', path, b))), RUNS);
  await fc.assert(
    fc.asyncProperty(body(fetchBody), async (b) => {
      const { status } = await attempt('POST', '/api/queues/pull/fetch', b);
      // A fetch that was refused leased nothing; one that was accepted leased at most one item.
      const { ready, inFlight } = await api.wrkr.stats('pull');
      expect(ready + inFlight).toBe(5);
      if (status >= 400) return;
      for (const item of await api.wrkr.fetch('pull').then((i) => (i ? [i] : []))) await api.wrkr.nack(item, { delay: 0 });
    }),
    { numRuns: 40 },
  );
});

test('bodies that are not JSON at all', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('/api/publish', '/api/queues/q/send', '/api/ack', '/api/queues/q/fetch'), fc.string({ maxLength: 40 }), async (path, raw) => {
      const before = await totals();
      const res = await fetch(api.base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) {
        expectApiError(await res.json(), res.status);
        expect(await totals()).toBe(before);
      }
    }),
    RUNS,
  );
});
