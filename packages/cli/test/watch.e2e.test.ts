import { RedisBackend } from '@wrkr/backend-redis';
import { Wrkr } from '@wrkr/core';
import { CliProcess, ensureBuilt, runCli } from './run-cli';

const namespace = `cli-watch-${process.pid}-${Date.now()}`;
const backend = `redis://127.0.0.1:6379?namespace=${namespace}`;

beforeAll(() => ensureBuilt(), 120_000);

/** Wait until the child has said on stderr that it is subscribed (events before that are not its to see). */
async function subscribed(cli: CliProcess, queue: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (!cli.stderr.includes(`watching ${queue}`)) {
    if (Date.now() > until || cli.child.exitCode !== null) throw new Error(`not watching\nstdout:\n${cli.stdout}\nstderr:\n${cli.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('wrkr watch QUEUE', () => {
  let wrkr: Wrkr;
  beforeEach(async () => {
    wrkr = new Wrkr({ backend: new RedisBackend({ namespace }), worker: false, scheduler: false });
    await wrkr.start();
  });
  afterEach(async () => {
    for (const q of await wrkr.queues()) await wrkr.deleteQueue(q);
    await wrkr.stop();
  });

  test('prints a line per lifecycle event of jobs handled in another process, and exits 0 on SIGINT', async () => {
    const cli = new CliProcess(['watch', 'reports', '--backend', backend]);
    try {
      await subscribed(cli, 'reports');
      await wrkr.subscribe('reports', 'report.#', (e, ctx) => {
        ctx.progress({ page: 1 });
        if (e.name === 'report.bad' && ctx.attempt === 1) throw new Error('printer jam');
        return { pages: 3 };
      }, { retry: { attempts: 2, delay: '10ms', jitter: 0 } });
      const ok = await wrkr.publish({ name: 'report.build' });
      await cli.waitFor(new RegExp(`completed +reports report\\.build ${ok.id} attempt 1 result \\{"pages":3\\}\\n`));
      const bad = await wrkr.publish({ name: 'report.bad' });
      await cli.waitFor(new RegExp(`completed +reports report\\.bad ${bad.id} attempt 2`));
      const lines = cli.stdout.trim().split('\n');
      const of = (id: string): string[] => lines.filter((l) => l.includes(id)).map((l) => l.split(' ')[1]!);
      expect(of(ok.id)).toEqual(['active', 'progress', 'completed']);
      expect(of(bad.id)).toEqual(['active', 'progress', 'retrying', 'active', 'progress', 'completed']);
      expect(lines.find((l) => l.includes(bad.id) && l.includes(' retrying ')!)).toMatch(/^\S+Z retrying +reports report\.bad \S+ attempt 1 error "printer jam", next attempt \S+Z$/);
      expect(lines.find((l) => l.includes(ok.id) && l.includes(' progress ')!)).toMatch(/attempt 1 progress \{"page":1\}$/);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  test('--json prints one JSON object per line; SIGTERM ends it with 0; a missing queue is a usage error', async () => {
    const cli = new CliProcess(['watch', 'mail', '--json', '--backend', backend]);
    try {
      await subscribed(cli, 'mail');
      await wrkr.subscribe('mail', 'mail.send', () => undefined, { retry: { attempts: 1 } });
      const sent = await wrkr.publish({ name: 'mail.send' });
      await cli.waitFor(/"kind":"completed"/);
      const events = cli.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events).toEqual([
        { kind: 'active', queue: 'mail', id: sent.id, name: 'mail.send', attempt: 1, at: expect.any(Number) },
        { kind: 'completed', queue: 'mail', id: sent.id, name: 'mail.send', attempt: 1, at: expect.any(Number) },
      ]);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
    expect(await runCli(['watch', '--backend', backend])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^wrkr watch: queue: expected QUEUE/) });
  });
});
