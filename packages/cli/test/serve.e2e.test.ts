import { join } from 'node:path';
import { CliProcess, ensureBuilt, FIXTURES, runCli } from './run-cli';

beforeAll(() => ensureBuilt(), 120_000);

test('wrkr serve runs the API with tasks in-process, prints its URL and stops on SIGINT', async () => {
  const serve = new CliProcess(['serve', '--port', '0', '--paths', join(FIXTURES, 'tasks'), '--token', 'tok', '--log-level', 'warn']);
  try {
    await serve.waitFor(/wrkr dashboard and API on (http:\/\/\S+)\//);
    const url = /on (http:\/\/\S+)\//.exec(serve.stdout)![1]!;
    const auth = { authorization: 'Bearer tok', 'content-type': 'application/json' };
    expect((await fetch(`${url}/api/queues`)).status).toBe(401);
    const pub = await fetch(`${url}/api/publish`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'audit.login', data: { user: 'x' } }) });
    expect(pub.status).toBe(200);
    const queues = (await (await fetch(`${url}/api/queues`, { headers: auth })).json()) as Array<{ queue: string; patterns: string[] }>;
    expect(queues).toEqual(expect.arrayContaining([expect.objectContaining({ queue: 'audit', patterns: ['audit.#'] }), expect.objectContaining({ queue: 'greet' })]));
    const workers = (await (await fetch(`${url}/api/workers`, { headers: auth })).json()) as Array<{ meta: { tasks: string[] } }>;
    expect(workers[0]!.meta.tasks).toEqual(['greet', 'audit']);
  } finally {
    serve.child.kill('SIGINT');
  }
  expect(await serve.exited).toBe(0);
});

test('wrkr serve refuses a non-loopback host without auth', async () => {
  const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without auth/);
});
