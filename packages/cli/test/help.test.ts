import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS, parserOptions, type CommandName } from '../src/command-spec';
import { main } from '../src/main';

const run = async (argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> => {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) }, env, cwd: process.cwd() };
  const code = await main(argv, io);
  return { code, stdout, stderr };
};

const names = Object.keys(COMMANDS) as CommandName[];

describe.each(names)('wrkr %s --help', (name) => {
  test('lists every option the parser accepts, and an example', async () => {
    const { code, stdout } = await run([name, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^usage: wrkr ${name}\\b`));
    // The parser's own definitions, not a list kept beside them: a flag the command reads is in its help.
    for (const [flag, def] of Object.entries(parserOptions(COMMANDS[name]))) {
      expect(stdout).toMatch(new RegExp(`(^|\\s)--${flag}(\\s|$)`, 'm'));
      if (def.short !== undefined) expect(stdout).toContain(`-${def.short}, --${flag}`);
    }
    expect(stdout).toMatch(new RegExp(`^example:\\n  wrkr ${name} `, 'm'));
    expect((await run(['help', name])).stdout).toBe(stdout);
  });
});

test('the help of a command omits the options of others, and the parser refuses them', async () => {
  expect((await run(['stats', '--help'])).stdout).not.toContain('--limit');
  const refused = await run(['stats', '--limit', '5', '--backend', 'memory://']);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/Unknown option '--limit'[\s\S]*wrkr stats --help/);
});

test('the flags the issue found missing from the help are there', async () => {
  expect((await run(['worker', '--help'])).stdout).toMatch(/--log-level LEVEL/);
  expect((await run(['publish', '--help'])).stdout).toMatch(/--event-id ID/);
  expect((await run(['failed', '--help'])).stdout).toMatch(/--offset N/);
  expect((await run(['limits', '--help'])).stdout).toMatch(/--concurrency N[\s\S]*--rate MAX\/PER[\s\S]*--remove/);
});

test('wrkr watch --help shows its QUEUE argument, --json as one object per line, and that it runs until a signal', async () => {
  const { stdout } = await run(['watch', '--help']);
  expect(stdout).toMatch(/^usage: wrkr watch QUEUE \[options\]/);
  expect(stdout).toMatch(/--json\s+one JSON object per event and line/);
  expect(stdout).toContain('until SIGINT/SIGTERM');
  expect((await run(['--help'])).stdout).toMatch(/^  watch\s+print a queue's job lifecycle/m);
});

test('the overview names every command; --version prints the package version', async () => {
  const { code, stdout } = await run(['--help']);
  expect(code).toBe(0);
  for (const name of names) expect(stdout).toMatch(new RegExp(`^  ${name}\\s`, 'm'));
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  expect(await run(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  expect((await run([])).code).toBe(2);
  expect(await run(['bogus'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "bogus"/) });
});

test.each(names.filter((n) => COMMANDS[n].operator))('wrkr %s without a backend refuses instead of opening an empty memory backend', async (name) => {
  const { code, stderr } = await run([name, 'x', 'y']);
  expect(code).toBe(2);
  expect(stderr).toMatch(new RegExp(`^wrkr ${name}: --backend: is required: .*--backend URL, WRKR_BACKEND or "backend" in the --config file`));
});

test('an operator command takes its backend from WRKR_BACKEND too', async () => {
  const { code, stdout } = await run(['stats', '--json'], { WRKR_BACKEND: 'memory://' });
  expect(code).toBe(0);
  expect(JSON.parse(stdout)).toEqual([]);
});
