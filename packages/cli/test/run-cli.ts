import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Repository root (commands run from here). */
export const ROOT = join(__dirname, '..', '..', '..');
/** The built bin script. */
export const BIN = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');
/** Test fixtures. */
export const FIXTURES = join(__dirname, 'fixtures');

/**
 * Build the CLI (and what it references) when dist is missing: jest runs from sources, the child process
 * needs JS. Under flock so parallel test files do not build at the same time (the second build is a no-op).
 */
export function ensureBuilt(): void {
  if (!existsSync(BIN)) execFileSync('flock', ['/tmp/wrkr-cli-build.lock', 'npx', 'tsc', '-b', 'packages/cli'], { cwd: ROOT, stdio: 'inherit' });
}

/** Run `wrkr …` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A long-running `wrkr` process whose output can be awaited line by line. */
export class CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    this.child.stdout.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Wait until stdout matches `re` (checked every 20 ms). */
  async waitFor(re: RegExp, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!re.test(this.stdout)) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${re}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      if (this.child.exitCode !== null) throw new Error(`exited ${this.child.exitCode} before ${re}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Log lines (JSON) whose `msg` is `msg`. */
  lines(msg: string): Array<Record<string, unknown>> {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === msg);
  }
}
