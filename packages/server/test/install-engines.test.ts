import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..', '..');
const run = promisify(execFile);

/**
 * What a user on Node 20 gets: `npm install @wrkr/server` (packed from this tree, with @wrkr/core) into an
 * empty project with `--engine-strict`, so any package in its dependency tree that refuses Node 20.19
 * fails the install. fastify's light-my-request 6.8 brings cookie@2 (Node ≥ 22); @wrkr/server keeps it on
 * the 6.6 line, whose cookie@1 supports Node 18.
 */
test('npm install @wrkr/server accepts Node 20.19: no dependency refuses the engines range', async () => {
  for (const pkg of ['core', 'server']) {
    if (!existsSync(join(ROOT, 'packages', pkg, 'dist', 'index.js'))) throw new Error(`build first: packages/${pkg}/dist is missing (npx tsc -b)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'wrkr-engines-'));
  try {
    await run('npm', ['pack', '-w', '@wrkr/core', '-w', '@wrkr/server', '--pack-destination', dir, '--silent'], { cwd: ROOT });
    const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz')).map((f) => join(dir, f));
    expect(tarballs).toHaveLength(2);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'engines-check', private: true, engines: { node: '>=20.19' } }));
    const install = await run('npm', ['install', '--engine-strict', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: dir }).catch(
      (err: { stdout?: string; stderr?: string; message: string }) => ({ stdout: err.stdout ?? '', stderr: `${err.stderr ?? ''}\n${err.message}` }),
    );
    expect(install.stderr).not.toMatch(/EBADENGINE|ERR!|npm error/);
    const { stdout } = await run('npm', ['ls', 'cookie', 'light-my-request', '--all', '--json'], { cwd: dir });
    const versions = JSON.stringify(JSON.parse(stdout));
    expect(versions).toMatch(/"light-my-request":\{"version":"6\.6\./);
    expect(versions).not.toMatch(/"cookie":\{"version":"2\./);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
