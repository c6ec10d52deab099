import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr } from '@wrkr/core';
import pino from 'pino';
import { backendFromUrl } from '../src/backend-url';
import { loadConfig } from '../src/config';
import { syncSchedules, CONFIG_SCHEDULE_HEADER } from '../src/config-schedules';
import { loadTask } from '../src/task-module';

const dir = mkdtempSync(join(tmpdir(), 'wrkr-config-'));
const write = (name: string, content: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('loadConfig', () => {
  test('flags beat WRKR_* variables, which beat the file; file paths are relative to the file', () => {
    const config = write('a.json', { backend: 'redis://file', paths: ['tasks'], concurrency: 3, id: 'from-file' });
    const c = loadConfig({ config, id: 'from-flag' }, { WRKR_BACKEND: 'memory://?namespace=env', WRKR_CONCURRENCY: '5' }, '/');
    expect(c).toMatchObject({ backend: 'memory://?namespace=env', id: 'from-flag', concurrency: 5, paths: [join(dir, 'tasks')], shutdownTimeout: '30s', logLevel: 'info' });
    expect(loadConfig({}, { WRKR_PATHS: 'a,b' }, '/x').paths).toEqual(['/x/a', '/x/b']);
  });

  test('reads a JS config and validates schedules with the field named', () => {
    const js = write('w.js', "module.exports = { schedules: [{ name: 'a', every: '5m', event: { name: 'x.y' } }] };");
    expect(loadConfig({ config: js }, {}).schedules).toEqual([{ name: 'a', rule: { every: '5m' }, active: true, event: { name: 'x.y' } }]);
    const bad = (s: unknown): string => {
      try {
        loadConfig({ config: write('s.json', { schedules: [s] }) }, {});
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(bad({ name: 'a', event: { name: 'x' } })).toMatch(/config\.schedules\[0\]: must have 'every' or 'cron'/);
    expect(bad({ name: 'a', cron: 'nope', event: { name: 'x' } })).toMatch(/config\.schedules\[0\]\.cron: invalid cron/);
    expect(bad({ name: 'a', every: '1m' })).toMatch(/config\.schedules\[0\]\.event\.name: is required/);
    expect(bad({ name: 'a', every: '1m', active: 'yes', event: { name: 'x' } })).toMatch(/config\.schedules\[0\]\.active/);
    expect(() => loadConfig({ port: '99999' }, {})).toThrow(/--port: must be an integer from 0 to 65535/);
    expect(() => loadConfig({ basic: 'nopass' }, {})).toThrow(/--basic: must be user:password/);
  });
});

describe('backendFromUrl', () => {
  test('builds the backend of a scheme with the namespace of the URL', () => {
    const b = backendFromUrl('memory://?namespace=ns1') as MemoryBackend;
    expect(b).toBeInstanceOf(MemoryBackend);
    expect(b.namespace).toBe('ns1');
    expect((backendFromUrl('memory://?namespace=ns1', { namespace: 'ns2' }) as MemoryBackend).namespace).toBe('ns2');
  });

  test('amqp URLs take ?jobIndex= for the RabbitMQ job index, and refuse a value that is not a boolean', () => {
    expect(backendFromUrl('amqp://127.0.0.1?jobIndex=1').capabilities.jobLookup).toBe(true);
    expect(backendFromUrl('amqp://127.0.0.1?jobIndex=false&namespace=n').capabilities.listings).toBe(false);
    expect(backendFromUrl('amqp://127.0.0.1').capabilities.jobLookup).toBe(false);
    expect(() => backendFromUrl('amqp://guest:secret@127.0.0.1?jobIndex=yes')).toThrow(/jobIndex=.*must be 1, true, 0 or false, got "yes"/);
    expect(() => backendFromUrl('amqp://guest:secret@127.0.0.1?jobIndex=yes')).not.toThrow(/secret/);
  });

  test('names the package to install when it is missing, and the known schemes for an unknown one', () => {
    const missing = (id: string): never => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => backendFromUrl('amqp://localhost', {}, missing)).toThrow('this backend URL needs @wrkr/backend-rabbitmq, which is not installed: npm install @wrkr/backend-rabbitmq');
    expect(() => backendFromUrl('mongodb://localhost', {}, missing)).toThrow(/npm install @wrkr\/backend-mongodb/);
    expect(() => backendFromUrl('kafka://x')).toThrow(/unknown scheme kafka: .*known: memory: redis:/);
    expect(() => backendFromUrl('not a url')).toThrow(/is not a URL/);
  });
});

describe('loadTask', () => {
  test('explains what a task module lacks', () => {
    expect(() => loadTask(write('t1.js', 'module.exports = { handler() {} };'))).toThrow(/t1\.js: queue: is required/);
    expect(() => loadTask(write('t2.js', "module.exports = { queue: 'q', handler: 1 };"))).toThrow(/t2\.js: handler: must be a function/);
    expect(() => loadTask(write('t3.js', "module.exports = { queue: 'q', handler() {}, concurrency: 2 };"))).toThrow(/t3\.js: concurrency: unknown export/);
    expect(loadTask(write('t4.js', 'module.exports = function (wrkr, task) {};'))).toMatchObject({ kind: 'setup', name: 't4' });
  });

  test.each(['t5.js', 't5.mjs'])('reports the file and line of a syntax error in %s', (name) => {
    const file = write(name, `${name.endsWith('.mjs') ? 'export default' : 'module.exports ='} {\n  queue: 'q',\n  handler( {\n};\n`);
    expect(() => loadTask(file)).toThrow(new RegExp(`^${file.replace(/[.]/g, '\\.')}:4: cannot load task module: SyntaxError: Unexpected token ';'\n  };\n   \\^`));
  });
});

test('syncSchedules upserts config schedules and removes only config-made ones that left the config', async () => {
  const wrkr = new Wrkr({ backend: new MemoryBackend(), worker: false });
  await wrkr.start();
  try {
    const log = pino({ level: 'silent' });
    await wrkr.schedule('manual', { every: '1h' }, { name: 'm.x' });
    const a = { name: 'a', rule: { every: '1h' }, active: true, event: { name: 'a.x' } };
    const b = { name: 'b', rule: { cron: '0 * * * *' }, active: false, event: { name: 'b.x', headers: { h: '1' } } };
    await syncSchedules(wrkr, [a, b], log);
    expect((await wrkr.getSchedule('b'))).toMatchObject({ active: false, event: { headers: { h: '1', [CONFIG_SCHEDULE_HEADER]: 'true' } } });
    expect(await syncSchedules(wrkr, [a], log)).toEqual({ upserted: ['a'], removed: ['b'] });
    expect((await wrkr.schedules()).map((s) => s.name).sort()).toEqual(['a', 'manual']);
  } finally {
    await wrkr.stop();
  }
});
