import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..', '..');
const run = promisify(execFile);

/** Every package.json under `dir`/node_modules (scoped and nested ones included). */
function installed(dir: string): Array<{ name: string; version: string; engines?: { node?: string } }> {
  const out: Array<{ name: string; version: string; engines?: { node?: string } }> = [];
  const visit = (modules: string): void => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      const path = join(modules, entry);
      if (entry.startsWith('@')) {
        visit(path);
        continue;
      }
      const manifest = join(path, 'package.json');
      if (existsSync(manifest)) out.push(JSON.parse(readFileSync(manifest, 'utf8')) as (typeof out)[number]);
      visit(join(path, 'node_modules'));
    }
  };
  visit(join(dir, 'node_modules'));
  return out;
}

/**
 * What a user on Node 20 gets: `npm install @wrkr/server` (packed from this tree, with @wrkr/core) into an
 * empty project with `--engine-strict`, so any package in its dependency tree that refuses Node 20.19
 * fails the install. fastify's light-my-request 6.8 brings cookie@2 (Node ≥ 22); @wrkr/server keeps it on
 * the 6.6 line, whose cookie@1 supports Node 18.
 */
test('npm install @wrkr/server on Node 20.19: no dependency refuses the engines range', async () => {
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
    // --engine-strict judges by the Node running the test; the oldest Node we support is judged here, with
    // the semver that npm itself ships (so the check needs nothing npm does not have).
    const { stdout: globalRoot } = await run('npm', ['root', '-g']);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const semver = require(join(globalRoot.trim(), 'npm', 'node_modules', 'semver')) as {
      satisfies(version: string, range: string): boolean;
      minVersion(range: string): { version: string } | null;
    };
    const { engines } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    const oldest = semver.minVersion(engines.node)!.version;
    expect(oldest).toBe('20.19.0');
    const refusing = installed(dir).filter((p) => p.engines?.node !== undefined && !semver.satisfies(oldest, p.engines.node));
    expect(refusing.map((p) => `${p.name}@${p.version} wants node ${p.engines!.node}`)).toEqual([]);
    const { stdout } = await run('npm', ['ls', 'cookie', 'light-my-request', '--all', '--json'], { cwd: dir });
    const versions = JSON.stringify(JSON.parse(stdout));
    expect(versions).toMatch(/"light-my-request":\{"version":"6\.6\./);
    expect(versions).not.toMatch(/"cookie":\{"version":"2\./);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
