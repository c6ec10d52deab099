import { MemoryBackend, MemoryStore } from '@wrkr/backend-memory';
import { Wrkr } from '@wrkr/core';
import { createMetrics } from '../src';
import { startApi, type Api } from './harness';

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parse the text exposition format (samples only; HELP/TYPE lines are checked apart). */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (m === null) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

/** The value of the sample with exactly `name` and (at least) `labels`; 0 when absent, as Prometheus reads a counter never incremented. */
const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;

let wrkr: Wrkr;
let api: Api;

beforeEach(async () => {
  wrkr = new Wrkr({ backend: new MemoryBackend(), worker: { id: 'metrics-test' } });
  await wrkr.start();
  api = await startApi({ wrkr, auth: { token: 't0ken' } });
});

afterEach(async () => {
  await api.close();
  await wrkr.stop({ timeout: 0 });
});

const scrape = async (): Promise<{ text: string; samples: Sample[] }> => {
  const res = await fetch(api.base + '/metrics', { headers: { authorization: 'Bearer t0ken' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parse(text) };
};

const until = async (check: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('GET /metrics: queue gauges, worker count, job counters and histograms move with the work done', async () => {
  await wrkr.send('mail', [{ name: 'mail.send', data: { ok: true } }, { name: 'mail.send', data: { ok: false } }]);
  await wrkr.send('later', [{ name: 'report.run', when: '1h' }]);
  await wrkr.pause('later');
  const before = (await scrape()).samples;
  expect(value(before, 'wrkr_queue_items', { queue: 'mail', state: 'ready' })).toBe(2);
  expect(value(before, 'wrkr_queue_items', { queue: 'later', state: 'delayed' })).toBe(1);
  expect(value(before, 'wrkr_queue_paused', { queue: 'later' })).toBe(1);
  expect(value(before, 'wrkr_queue_paused', { queue: 'mail' })).toBe(0);
  expect(value(before, 'wrkr_workers')).toBe(1);
  expect(value(before, 'wrkr_jobs_completed_total', { queue: 'mail' })).toBe(0);
  expect(value(before, 'wrkr_handler_duration_seconds_count', { queue: 'mail' })).toBe(0);

  await wrkr.subscribe<{ ok: boolean }>(
    'mail',
    null,
    async (event) => {
      if (!event.data!.ok) throw new Error('smtp down');
    },
    { retry: { attempts: 2, delay: '10ms', jitter: 0 } },
  );
  await until(async () => (await wrkr.stats('mail')).failed === 1);
  // Counters count in the event handlers; give the last one its turn before scraping.
  await until(async () => value((await scrape()).samples, 'wrkr_jobs_failed_total', { queue: 'mail' }) === 1);

  const { text, samples: after } = await scrape();
  expect(value(after, 'wrkr_queue_items', { queue: 'mail', state: 'ready' })).toBe(0);
  expect(value(after, 'wrkr_queue_items', { queue: 'mail', state: 'failed' })).toBe(1);
  expect(value(after, 'wrkr_jobs_completed_total', { queue: 'mail' })).toBe(1);
  expect(value(after, 'wrkr_jobs_retried_total', { queue: 'mail' })).toBe(1);
  expect(value(after, 'wrkr_jobs_failed_total', { queue: 'mail' })).toBe(1);
  // Three attempts ran (ok; bad, its retry); lateness counts first attempts only.
  expect(value(after, 'wrkr_handler_duration_seconds_count', { queue: 'mail' })).toBe(3);
  expect(value(after, 'wrkr_handler_duration_seconds_bucket', { queue: 'mail', le: '+Inf' })).toBe(3);
  expect(value(after, 'wrkr_delivery_lateness_seconds_count', { queue: 'mail' })).toBe(2);
  expect(value(after, 'wrkr_delivery_lateness_seconds_sum', { queue: 'mail' })).toBeGreaterThan(0);
  for (const [name, type] of [
    ['wrkr_queue_items', 'gauge'],
    ['wrkr_queue_paused', 'gauge'],
    ['wrkr_workers', 'gauge'],
    ['wrkr_jobs_completed_total', 'counter'],
    ['wrkr_jobs_failed_total', 'counter'],
    ['wrkr_jobs_retried_total', 'counter'],
    ['wrkr_handler_duration_seconds', 'histogram'],
    ['wrkr_delivery_lateness_seconds', 'histogram'],
  ]) {
    expect(text).toContain(`# TYPE ${name} ${type}\n`);
  }
});

test('GET /metrics needs the credentials /api needs', async () => {
  expect((await fetch(api.base + '/metrics')).status).toBe(401);
  expect((await fetch(api.base + '/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
});

test('each server (and each createMetrics) has its own registry: two in one process neither clash nor share', async () => {
  const second = await startApi({ wrkr });
  const other = createMetrics(wrkr);
  try {
    expect((await fetch(second.base + '/metrics')).status).toBe(200);
    const third = createMetrics(wrkr);
    expect(third.registry).not.toBe(other.registry);
    third.close();
    await wrkr.subscribe('solo', null, async () => undefined);
    await wrkr.send('solo', [{ name: 'a.b' }]);
    const handled = 'wrkr_handler_duration_seconds_count';
    await until(async () => value(parse(await other.registry.metrics()), handled, { queue: 'solo' }) === 1);
    other.close();
    await wrkr.send('solo', [{ name: 'a.b' }]);
    await until(async () => value((await scrape()).samples, handled, { queue: 'solo' }) === 2);
    // Closed: it stopped timing this process's handlers while the server's registry went on.
    expect(value(parse(await other.registry.metrics()), handled, { queue: 'solo' })).toBe(1);
  } finally {
    other.close();
    await second.close();
  }
});

describe('job counters of a server that runs no handler', () => {
  const worked = async (backendOptions: (store: MemoryStore) => MemoryBackend): Promise<{ served: number[]; local: number[] }> => {
    const store = new MemoryStore();
    const server = new Wrkr({ backend: backendOptions(store), worker: false });
    const worker = new Wrkr({ backend: backendOptions(store), worker: false });
    await server.start();
    await worker.start();
    const served = createMetrics(server);
    const local = createMetrics(worker);
    try {
      await worker.subscribe('elsewhere', null, async (e, ctx) => {
        if (e.name === 'job.bad') throw new Error('no');
        if (e.name === 'job.flaky' && ctx.attempt === 1) throw new Error('once');
      }, { retry: { attempts: 2, delay: '10ms', jitter: 0 } });
      await server.send('elsewhere', [{ name: 'job.ok' }, { name: 'job.flaky' }, { name: 'job.bad' }]);
      await until(async () => value(parse(await local.registry.metrics()), 'wrkr_handler_duration_seconds_count', { queue: 'elsewhere' }) === 5);
      await until(async () => (await worker.stats('elsewhere')).failed === 1);
      const read = async (m: typeof served): Promise<number[]> => {
        const samples = parse(await m.registry.metrics());
        return ['completed', 'retried', 'failed'].map((k) => value(samples, `wrkr_jobs_${k}_total`, { queue: 'elsewhere' }));
      };
      // The worker's own lifecycle publishes are not awaited; let the last one land.
      await until(async () => (await read(local))[2] === 1);
      return { served: await read(served), local: await read(local) };
    } finally {
      served.close();
      local.close();
      await worker.stop({ timeout: 0 });
      await server.stop({ timeout: 0 });
    }
  };

  test("with lifecycleEvents, completed/retried/failed are the backend's durable counters: the server counts the other process's jobs", async () => {
    expect(await worked((store) => new MemoryBackend({ store }))).toEqual({ served: [2, 2, 1], local: [2, 2, 1] });
  });

  test('without lifecycleEvents, each process counts its own handlers', async () => {
    const without = (store: MemoryStore): MemoryBackend => {
      const backend = new MemoryBackend({ store });
      Object.defineProperty(backend, 'capabilities', { value: { ...backend.capabilities, lifecycleEvents: false } });
      return backend;
    };
    expect(await worked(without)).toEqual({ served: [0, 0, 0], local: [2, 2, 1] });
  });
});
