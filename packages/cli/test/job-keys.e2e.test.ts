import { RedisBackend } from '@wrkr/backend-redis';
import { Wrkr } from '@wrkr/core';
import { ensureBuilt, runCli } from './run-cli';

const namespace = `cli-keys-${process.pid}-${Date.now()}`;
const backend = `redis://127.0.0.1:6379?namespace=${namespace}`;

beforeAll(() => ensureBuilt(), 120_000);

test('send and publish take --key, --key-mode and --key-ttl and report what the key did', async () => {
  const wrkr = new Wrkr({ backend: new RedisBackend({ namespace }), worker: false, scheduler: false });
  await wrkr.start();
  try {
    const run = (args: string[]) => runCli([...args, '--backend', backend]);
    const sent = await run(['send', 'q', 'k.a', '--key', 'user-1', '--json']);
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ keyed: [{ queue: 'q', outcome: 'added' }], dropped: false });
    const again = await run(['send', 'q', 'k.a', '--key', 'user-1']);
    expect(again.stdout).toMatch(/dropped by its key: deduped/);
    const t1 = await run(['send', 'q', 'k.t', '--key', 'digest', '--key-mode', 'throttle', '--key-ttl', '1m', '--json']);
    expect(JSON.parse(t1.stdout)).toMatchObject({ dropped: false });
    await wrkr.bind('idx', 'reindex.#');
    await run(['publish', 'reindex.search', '--key', 'search', '--key-mode', 'debounce', '--when', '1h']);
    const last = await run(['publish', 'reindex.search', '--key', 'search', '--key-mode', 'debounce', '--when', '2h']);
    expect(last.stdout).toMatch(/replaced /);
    expect(await wrkr.pending()).toHaveLength(1);
    expect(await wrkr.stats('q')).toMatchObject({ ready: 2 });
    const bad = await run(['send', 'q', 'k.a', '--key', 'k', '--key-ttl', '1m']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/keyTtl/);
  } finally {
    await wrkr.stop();
  }
}, 60_000);
