import { startApi, expectApiError, type Api } from './harness';

let api: Api;
beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

test.each([
  ['data nested 3,000 levels', { name: 'a.b', data: nested(3000) }, 'event.data'],
  ['when 1e308', { name: 'a.b', when: 1e308 }, 'event.when'],
  ["when '99999999999 years'", { name: 'a.b', when: '99999999999 years' }, 'event.when'],
  ['when past the 10-year horizon', { name: 'a.b', when: '2999-01-01T00:00:00Z' }, 'event.when'],
])('publish with %s is a 400 ValidationError naming the field, nothing stored', async (_what, body, field) => {
  await api.wrkr.bind('all', '#');
  for (const path of ['/api/publish', '/api/queues/all/send']) {
    const res = await api.call('POST', path, body);
    expect(res.status).toBe(400);
    expectApiError(res.body, 400, 'ERR_WRKR_VALIDATION');
    expect(res.body.field).toBe(field);
  }
  expect(await api.wrkr.stats('all')).toMatchObject({ ready: 0, delayed: 0 });
});
