import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, isPortOpen } from '@wrkr/backend-tests/services';

/** The FerretDB binary scripts/services.sh builds and caches. */
export const FERRETDB_BIN = process.env.WRKR_FERRETDB_BIN ?? path.join(process.env.WRKR_CACHE ?? path.join(homedir(), '.cache', 'wrkr'), 'bin', 'ferretdb');

/**
 * A private FerretDB (SQLite) on its own port and data directory, so a test can kill and restart it
 * without disturbing the shared server other tests use.
 */
export class FerretDbServer {
  #child?: ChildProcess;

  private constructor(
    readonly port: number,
    /** The SQLite data and state directory. */
    readonly dir: string,
  ) {}

  /** Start a server on a free port, on a new data directory or on `dir` (another server's, to share it). */
  static async start(dir = mkdtempSync(path.join(tmpdir(), 'wrkr-mongo-restart-'))): Promise<FerretDbServer> {
    const server = new FerretDbServer(await freePort(), dir);
    await server.restart();
    return server;
  }

  /** Connection string. */
  get url(): string {
    return `mongodb://127.0.0.1:${this.port}/`;
  }

  /** (Re)start on the same port and data. */
  async restart(): Promise<void> {
    this.#child = spawn(
      FERRETDB_BIN,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${this.dir}/`,
        `--listen-addr=127.0.0.1:${this.port}`,
        `--state-dir=${this.dir}`,
        '--telemetry=disable',
        '--debug-addr=-',
        '--log-level=ERROR',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 20_000;
    while (!(await isPortOpen('127.0.0.1', this.port))) {
      if (Date.now() > deadline) throw new Error(`FerretDB did not listen on ${this.port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kill the server (SIGKILL: no clean shutdown) and wait for it to exit. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kill and delete the data. */
  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * True when the private-server tests should run: the cached binary exists, or this is CI on the local
   * services (scripts/services.sh builds the binary there, so a missing one must fail, not skip).
   */
  static available(): boolean {
    return existsSync(FERRETDB_BIN) || (process.env.CI !== undefined && process.env.WRKR_MONGO_URL === undefined);
  }
}

/**
 * A server for one test file: the one WRKR_MONGO_URL names (MongoDB, say), or else a private FerretDB —
 * the shared local one is busy with the conformance run's 10,000-item tests, which held small files'
 * writes back past their timeouts on a loaded CI machine. `close` stops what was started here.
 */
export async function ownMongo(): Promise<{ url: string; close: () => Promise<void> }> {
  const given = process.env.WRKR_MONGO_URL;
  if (given !== undefined) return { url: given, close: async () => undefined };
  const server = await FerretDbServer.start();
  return { url: server.url, close: () => server.destroy() };
}
