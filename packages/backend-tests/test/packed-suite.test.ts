import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
const PACKED = ['@wrkr/core', '@wrkr/backend-memory', '@wrkr/backend-tests'];
// What the README tells a backend author to install next to the tarballs, at the versions this repo uses.
const TOOLS = ['jest', '@jest/globals', '@swc/core', '@swc/jest', 'typescript', '@types/node'];

// The child npm and jest must not inherit this run's npm or jest settings (workspace root, worker id).
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|JEST_)/i.test(k)));

async function sh(cwd: string, cmd: string, args: string[], timeout: number): Promise<string> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`.slice(-8000));
  }
}

/**
 * A stranger's backend package, from the published artefacts only: the tarballs of core, backend-memory
 * and backend-tests (`npm pack` of the built packages), a delegating backend extending BaseBackend, the
 * README's tsconfig (node16) and jest config (SWC), type-checked with tsc and run with jest.
 */
describe('the conformance suite as a stranger installs it', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wrkr-stranger-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('packs, installs, type-checks under node16 and passes the whole suite for a delegating backend', async () => {
    const packed = JSON.parse(await sh(ROOT, 'npm', ['pack', '--json', '--pack-destination', dir, ...PACKED.flatMap((w) => ['-w', w])], 60_000)) as Array<{ filename: string }>;
    assert.equal(packed.length, PACKED.length);
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    const tools = TOOLS.map((name) => `${name}@${lock.packages[`node_modules/${name}`]!.version!}`);
    await cp(join(__dirname, 'stranger'), dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'stranger-backend', version: '1.0.0', private: true }));
    await sh(dir, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-dev', ...packed.map((p) => `./${p.filename}`), ...tools], 150_000);

    await sh(dir, 'npx', ['tsc', '-p', '.'], 60_000);
    const out = await sh(dir, 'npx', ['jest', '--ci', '--verbose', '--maxWorkers=1'], 150_000);
    assert.match(out, /Tests: +(?:\d+ skipped, )?\d+ passed, \d+ total/, out.slice(-3000));
    assert.match(out, /17\. bad arguments refused by the backend itself/, 'the direct-input group ran');
  }, 300_000);
});
