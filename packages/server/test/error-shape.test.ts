import { connect } from 'node:net';
import { startApi, expectApiError, type Api } from './harness';

let api: Api;
beforeAll(async () => {
  api = await startApi({ auth: { token: 's3cret' } });
});
afterAll(() => api.close());

const AUTH = { authorization: 'Bearer s3cret' };

test.each([
  ['an empty JSON body', 'POST', '/api/publish', '', { 'content-type': 'application/json' }, 400, 'ERR_WRKR_VALIDATION'],
  ['a body that is not JSON', 'POST', '/api/publish', '{"name":', { 'content-type': 'application/json' }, 400, 'ERR_WRKR_VALIDATION'],
  ['a poisoned prototype', 'POST', '/api/publish', '{"name":"a.b","__proto__":{"x":1}}', { 'content-type': 'application/json' }, 400, 'ERR_WRKR_VALIDATION'],
  ['an unsupported content type', 'POST', '/api/publish', '<x/>', { 'content-type': 'application/xml' }, 415, 'ERR_WRKR_UNSUPPORTED_MEDIA_TYPE'],
  ['a body over the size limit', 'POST', '/api/publish', JSON.stringify({ name: 'a.b', data: 'x'.repeat(1_100_000) }), { 'content-type': 'application/json' }, 413, 'ERR_WRKR_PAYLOAD_TOO_LARGE'],
  ['an unknown route', 'GET', '/api/nope', undefined, {}, 404, 'ERR_WRKR_NOT_FOUND'],
  ['an unknown method on a route', 'DELETE', '/api/queues', undefined, {}, 404, 'ERR_WRKR_NOT_FOUND'],
  ['an unknown schedule', 'GET', '/api/schedules/none', undefined, {}, 404, 'ERR_WRKR_NOT_FOUND'],
  ['a malformed URL', 'GET', '/api/queues/%zz/stats', undefined, {}, 400, 'ERR_WRKR_VALIDATION'],
  ['a queue name over the router limit', 'GET', `/api/queues/${'x'.repeat(1100)}/stats`, undefined, {}, 414, 'ERR_WRKR_VALIDATION'],
  ['a queue name wrkr refuses', 'GET', `/api/queues/${'x'.repeat(300)}/stats`, undefined, {}, 400, 'ERR_WRKR_VALIDATION'],
  ['a stale lease', 'POST', '/api/ack', JSON.stringify({ queue: 'q', id: 'i', token: 't' }), { 'content-type': 'application/json' }, 409, 'ERR_WRKR_STALE_LEASE'],
])('%s gives the ApiError shape', async (_what, method, path, body, headers, status, code) => {
  const res = await fetch(api.base + path, { method, headers: { ...AUTH, ...headers }, ...(body !== undefined ? { body } : {}) });
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expectApiError(await res.json(), status, code);
});

test.each([
  ['a malformed request line', 'GARBAGE\r\n\r\n', 400],
  ['headers over the size limit', `GET /api/queues HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 431],
])('%s, refused by the HTTP parser, gives the ApiError shape', async (_what, raw, status) => {
  const { port } = new URL(api.base);
  const answer = await new Promise<string>((resolve, reject) => {
    let text = '';
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(raw));
    socket.on('data', (d) => (text += d.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  expect(answer).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
  expectApiError(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)), status, 'ERR_WRKR_BAD_REQUEST');
});

test('missing credentials give the ApiError shape too', async () => {
  const res = await fetch(`${api.base}/api/queues`);
  expect(res.status).toBe(401);
  expectApiError(await res.json(), 401, 'ERR_WRKR_UNAUTHORIZED');
});
