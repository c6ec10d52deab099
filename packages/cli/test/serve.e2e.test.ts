import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CliProcess, ensureBuilt, FIXTURES, ROOT, runCli } from './run-cli';

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

test('npm start builds without chatter and prints the URL last, set apart', async () => {
  // Its own process group, signalled as a whole as Ctrl+C would: npm's `sh -c` does not pass SIGINT on.
  const child = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, WRKR_PORT: '0' }, detached: true });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise((resolve) => child.on('close', resolve));
  try {
    const until = Date.now() + 60_000;
    while (!/Ctrl\+C stops\)\n\n/.test(stdout)) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`no URL from npm start:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Settled for a moment: the demo logs at error level, so nothing should follow the URL at once.
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    process.kill(-child.pid!, 'SIGINT');
    await exited;
  }
  const beforeStop = stdout.split(/\n\[[\d:.]+\] .*stopping server/)[0]!;
  const lines = beforeStop.split('\n').filter((l) => l.trim() !== '');
  // npm's own two-line header (`> start`, `> tsc -b …`), then the URL: no build output, no turbo notice.
  expect(lines.filter((l) => !l.startsWith('> '))).toEqual([expect.stringMatching(/^ {2}wrkr dashboard and API on http:\/\/127\.0\.0\.1:\d+\/ \(OpenAPI: /)]);
  expect(stdout).not.toMatch(/turbo|telemetry|Tasks:/i);
}, 90_000);
