import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@wrkr/backend-tests/services';
import { Redis } from 'ioredis';

/** A private `redis-server` with an append-only file in a temp dir, restartable on the same port. */
export class AppendOnlyRedis {
  private proc?: ChildProcess;
  private constructor(readonly port: number, readonly dir: string, private readonly extraArgs: readonly string[], private readonly password?: string) {}

  /** Start a new server on a free port; `requirePass` makes it refuse clients without that password. */
  static async start(options: { requirePass?: string } = {}): Promise<AppendOnlyRedis> {
    const extra = options.requirePass === undefined ? [] : ['--requirepass', options.requirePass];
    const server = new AppendOnlyRedis(await freePort(), mkdtempSync(join(tmpdir(), 'wrkr-redis-')), extra, options.requirePass);
    await server.launch();
    return server;
  }

  /** Its URL. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Stop gracefully (the AOF is flushed) and start again from the same directory. */
  async restart(): Promise<void> {
    await this.shutdown();
    await this.launch();
  }

  /** Kill the server (SIGKILL: no shutdown; with `appendfsync always` every acknowledged write is on disk) and start it again. */
  async crash(): Promise<void> {
    const proc = this.proc;
    if (proc && proc.exitCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await exited;
    }
    await this.launch();
  }

  /** Stop the server and delete its files. */
  async stop(): Promise<void> {
    await this.shutdown();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Start the server process (again) and wait until it answers. */
  async launch(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--dir', this.dir, ...this.extraArgs], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, ...(this.password !== undefined ? { password: this.password } : {}) });
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        probe.disconnect();
      }
    }
  }

  /** Stop the server process gracefully (the AOF is flushed). */
  async shutdown(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    await exited;
    this.proc = undefined;
  }
}
