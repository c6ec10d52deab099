import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, CliProcess, ensureBuilt, FIXTURES, ROOT } from './run-cli';

const FAILING = join(FIXTURES, 'failing');
const GAVE_UP = 'handler failed; no attempts left, moving to the failed store';

beforeAll(() => ensureBuilt(), 120_000);

test('JSON logs: one line per failed attempt, carrying the task and its log fields; progress is not logged at info', async () => {
  const worker = new CliProcess(['worker', '--paths', FAILING, '--backend', 'memory://']);
  try {
    await worker.waitFor(new RegExp(`"msg":"${GAVE_UP}"`));
  } finally {
    worker.child.kill('SIGTERM');
  }
  expect(await worker.exited).toBe(0);
  const entries = worker.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  const problems = entries.filter((e) => (e.level as number) >= 40);
  expect(problems.map((e) => [e.msg, e.attempt])).toEqual([
    ['handler failed; will retry', 1],
    [GAVE_UP, 2],
  ]);
  for (const p of problems) {
    expect(p).toMatchObject({ task: 'bounce', email: 'ann@example.com', queue: 'bounce', event: 'mail.welcome', err: { message: '550 mailbox ann@example.com unavailable' } });
    expect(p.ms).toEqual(expect.any(Number));
  }
  expect(entries.filter((e) => e.progress !== undefined)).toEqual([]);
  expect(entries.filter((e) => e.msg === 'job started')).toHaveLength(2);
});

const PRETTY_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR): \S/;

test('--log-format pretty writes one readable line per entry, even into a pipe', async () => {
  const worker = new CliProcess(['worker', '--paths', FAILING, '--backend', 'memory://', '--log-format', 'pretty']);
  try {
    await worker.waitFor(new RegExp(GAVE_UP));
  } finally {
    worker.child.kill('SIGTERM');
  }
  expect(await worker.exited).toBe(0);
  const lines = worker.stdout.split('\n').filter((l) => l !== '');
  for (const line of lines) expect(line).toMatch(PRETTY_LINE);
  const failure = lines.find((l) => l.includes(GAVE_UP))!;
  expect(failure).toMatch(/^\[[\d:.]+\] ERROR: handler failed; no attempts left, moving to the failed store queue=bounce id=\w+ event=mail\.welcome attempt=2 task=bounce email=ann@example\.com ms=\d+ err="Error: 550 mailbox ann@example\.com unavailable" at=/);
  expect(lines.find((l) => l.includes('worker ready'))).toMatch(/INFO: worker ready workerId=\S+ tasks=\["bounce","send-one"\]$/);
});

test('on a terminal the logs are pretty and coloured without being asked; --log-format json still wins', async () => {
  // `script` gives the command a pseudo-terminal as stdout, as a person's shell would.
  const onTty = async (args: string): Promise<string> => {
    const command = `timeout -s TERM 2 ${process.execPath} ${BIN} worker --paths ${FAILING} --backend memory:// ${args}`;
    // Colour support is read from the environment: present-but-empty NO_COLOR counts, so remove it.
    const { NO_COLOR: _no, FORCE_COLOR: _force, ...env } = process.env;
    const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...env, TERM: 'xterm' } }).catch(
      (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
    );
    return stdout.replace(/\r/g, '');
  };
  const pretty = (await onTty('')).split('\n').filter((l) => l !== '');
  expect(pretty.find((l) => l.includes('worker ready'))).toMatch(/^\[[\d:.]+\] \x1b\[32mINFO\x1b\[39m: .*worker ready/);
  expect(pretty.find((l) => l.includes(GAVE_UP))).toMatch(/\x1b\[31mERROR\x1b\[39m: .*err="Error: 550 mailbox/);
  // eslint-disable-next-line no-control-regex
  const plain = pretty.map((l) => l.replace(/\x1b\[\d+m/g, ''));
  for (const line of plain) expect(line).toMatch(PRETTY_LINE);

  const json = (await onTty('--log-format json')).split('\n').filter((l) => l !== '');
  expect(json.length).toBeGreaterThan(0);
  for (const line of json) expect(JSON.parse(line)).toMatchObject({ level: expect.any(Number), msg: expect.any(String) });
});
