import assert from 'node:assert/strict';
import { matchPattern } from '@wrkr/core/backend';
import { PATTERN_CASES, SkipReport, runGroups, type ConformanceOptions } from '@wrkr/backend-tests';
import { isPortOpen, redisUrl, resolveServiceUrl } from '@wrkr/backend-tests/services';
import { MemoryBackend, MemoryStore } from '@wrkr/backend-memory';
import { createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';
import { RecordingApi } from './recording-api';
import { workerTests, cancelTests, connectionLossTests } from '@wrkr/backend-tests';

describe('pattern table', () => {
  it.each(PATTERN_CASES.map(([p, n, m]) => [p, n, m]))("'%s' vs '%s' → %s agrees with core's matchPattern", (pattern, name, matches) => {
    assert.equal(matchPattern(pattern, name), matches);
  });
});

describe('capability skips', () => {
  it('skips, with the reason in the title, every test needing a capability the backend declares false, and reports them on stderr', async () => {
    const store = new MemoryStore();
    const options: ConformanceOptions = {
      name: 'no-workers',
      createBackend: ({ namespace }) => {
        const b = new MemoryBackend({ namespace, store });
        Object.defineProperty(b, 'capabilities', { value: { ...b.capabilities, workers: false, cancel: false } });
        return b;
      },
    };
    const recorder = new RecordingApi();
    const report = runGroups(options, recorder.api, [workerTests, cancelTests, connectionLossTests]);
    const results = await recorder.run();
    const skipped = results.filter((r) => r.status === 'skipped');
    assert.ok(skipped.length >= 5 + 4 + 3, `only ${skipped.length} skipped`);
    assert.ok(skipped.every((r) => /\[SKIPPED: (backend declares capabilities\.(workers|cancel) = false|no interruptConnections hook given)\]/.test(r.title)), skipped.map((r) => r.title).join('\n'));
    assert.equal(results.filter((r) => r.status !== 'skipped').length, 0);
    let printed = '';
    report.print(new Writable({ write: (chunk: Buffer, _enc, done) => { printed += chunk.toString(); done(); } }));
    assert.match(printed, /12 test\(s\) SKIPPED/);
    assert.match(printed, /14\. worker registry › .*capabilities\.workers = false/);
  });

  it('fails (rather than silently passing) a test whose backend refuses the contract version', async () => {
    const store = new MemoryStore();
    const recorder = new RecordingApi();
    runGroups({ name: 'v0', createBackend: ({ namespace }) => Object.assign(new MemoryBackend({ namespace, store }), { contractVersion: 0 }) }, recorder.api, [workerTests]);
    const results = await recorder.run();
    assert.ok(results.length > 0 && results.every((r) => r.status === 'failed'));
    assert.match(String(results[0]!.error), /contract version 0/);
  });
});

describe('service helpers', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('prefers the environment variable', async () => {
    process.env.WRKR_TEST_URL = 'redis://example.invalid:1234';
    assert.equal(await resolveServiceUrl({ envVar: 'WRKR_TEST_URL', defaultUrl: 'redis://127.0.0.1:1', port: 1 }), 'redis://example.invalid:1234');
  });

  it('uses the default URL when its port is listening', async () => {
    const server: Server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    try {
      assert.equal(await isPortOpen('127.0.0.1', port), true);
      assert.equal(await resolveServiceUrl({ envVar: 'WRKR_UNSET_URL', defaultUrl: `redis://127.0.0.1:${port}`, port }), `redis://127.0.0.1:${port}`);
    } finally {
      server.close();
    }
  });

  it('explains how to start the service when nothing is found', async () => {
    const server: Server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    await assert.rejects(resolveServiceUrl({ envVar: 'WRKR_UNSET_URL', defaultUrl: `redis://127.0.0.1:${port}`, port }), /npm run services.*WRKR_UNSET_URL|WRKR_UNSET_URL.*npm run services/s);
  });

  it('finds the local Redis through redisUrl() when it runs', async () => {
    delete process.env.WRKR_REDIS_URL;
    if (!(await isPortOpen('127.0.0.1', 6379))) return;
    assert.equal(await redisUrl(), 'redis://127.0.0.1:6379');
  });

  it('SkipReport prints nothing when nothing was skipped', () => {
    let printed = '';
    new SkipReport('x').print(new Writable({ write: (chunk: Buffer, _enc, done) => { printed += chunk.toString(); done(); } }));
    assert.equal(printed, '');
  });
});
