import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@wrkr/backend-tests/services';
import { Redis } from 'ioredis';

const run = promisify(execFile);

/** A private three-master Redis Cluster on free ports, in a temp dir. */
export class LocalCluster {
  private constructor(readonly ports: number[], private readonly procs: ChildProcess[], private readonly dir: string) {}

  /** Start three cluster-enabled servers and join them (all 16384 slots assigned). */
  static async start(): Promise<LocalCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'wrkr-cluster-'));
    const ports: number[] = [];
    const procs: ChildProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      ports.push(port);
      procs.push(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }));
    }
    const cluster = new LocalCluster(ports, procs, dir);
    for (const port of ports) await waitForPing(port);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports) await waitForClusterOk(port);
    return cluster;
  }

  /** Stop every node and delete the files. */
  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map((p) => (p.exitCode !== null ? undefined : new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      }))),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      probe.disconnect();
    }
  }
}

async function waitForClusterOk(port: number): Promise<void> {
  const probe = new Redis({ port });
  try {
    const deadline = Date.now() + 10_000;
    while (!String(await probe.cluster('INFO')).includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error('cluster did not become ok');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    probe.disconnect();
  }
}
