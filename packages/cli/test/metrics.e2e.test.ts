import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, ensureBuilt, FIXTURES, runCli } from './run-cli';

beforeAll(() => ensureBuilt(), 120_000);

/** The value of the first sample named `name` whose label text contains `labels`; 0 when absent. */
const sample = (text: string, name: string, labels = ''): number => {
  const line = text.split('\n').find((l) => l.startsWith(name + (labels === '' ? ' ' : '{')) && l.includes(labels));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
};

test('wrkr worker --metrics-port serves the Prometheus metrics on 127.0.0.1, and they move as jobs run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wrkr-cli-metrics-'));
  const config = join(dir, 'worker.json');
  writeFileSync(config, JSON.stringify({ paths: [join(FIXTURES, 'tasks')], schedules: [{ name: 'tick', every: '1s', event: { name: 'demo.tick', data: { user: 'ann', ms: 1 } } }] }));
  const worker = new CliProcess(['worker', '--config', config, '--backend', 'memory://', '--metrics-port', '0']);
  try {
    await worker.waitFor(/"msg":"worker ready"/);
    const url = String(worker.lines('worker ready')[0]!.metrics);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const first = await (await fetch(url)).text();
    expect(sample(first, 'wrkr_workers')).toBe(1);
    expect(first).toContain('# TYPE wrkr_jobs_completed_total counter');
    const deadline = Date.now() + 15_000;
    let text = first;
    while (sample(text, 'wrkr_jobs_completed_total', 'queue="greet"') < 1) {
      if (Date.now() > deadline) throw new Error(`no completed job counted:\n${text}`);
      await new Promise((r) => setTimeout(r, 100));
      text = await (await fetch(url)).text();
    }
    expect(sample(text, 'wrkr_handler_duration_seconds_count', 'queue="greet"')).toBeGreaterThanOrEqual(1);
    expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404);
  } finally {
    worker.child.kill('SIGTERM');
  }
  expect(await worker.exited).toBe(0);
}, 30_000);

test('--metrics-port is checked like every other setting', async () => {
  const bad = await runCli(['worker', '--paths', join(FIXTURES, 'tasks'), '--metrics-port', 'abc']);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/--metrics-port/);
  const hostOnly = await runCli(['worker', '--paths', join(FIXTURES, 'tasks'), '--metrics-host', '0.0.0.0']);
  expect(hostOnly.code).not.toBe(0);
  expect(hostOnly.stderr).toMatch(/--metrics-host: needs a metrics port/);
});
