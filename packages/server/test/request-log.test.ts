import { Writable } from 'node:stream';
import pino from 'pino';
import { startApi } from './harness';

test('request lines name method, path and status, never the query string or the credentials', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const api = await startApi({ auth: { token: 'tok-hunter2' }, logger: pino({ level: 'info' }, sink) });
  try {
    await fetch(`${api.base}/api/queues/q/failed?limit=5&apikey=query-hunter2`, { headers: { authorization: 'Bearer tok-hunter2' } });
    await fetch(`${api.base}/api/queues?password=query-hunter2`, { headers: { authorization: 'Bearer wrong-hunter2' } });
  } finally {
    await api.close();
  }
  const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
  expect(requests).toEqual([
    expect.objectContaining({ method: 'GET', path: '/api/queues/q/failed', statusCode: 400 }),
    expect.objectContaining({ method: 'GET', path: '/api/queues', statusCode: 401 }),
  ]);
  expect(lines.join('')).not.toMatch(/hunter2/);
});
