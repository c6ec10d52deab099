import { MemoryBackend, MemoryStore } from '@wrkr/backend-memory';
import { Wrkr } from '../src';
import { ValidationError } from '../src/errors';
import { sleep } from './harness';

// Node fires a timer armed beyond 2^31-1 ms (24.8 days) at once. Waits that long must re-arm, and
// one-shot timeouts that long are refused rather than firing immediately.
describe('waits longer than a Node timer can hold', () => {
  const started: Wrkr[] = [];
  afterEach(async () => void (await Promise.all(started.splice(0).map((w) => w.stop({ timeout: 200 })))));

  it.each([
    ['subscribe timeout', (w: Wrkr) => w.subscribe('q', 'a.b', async () => undefined, { timeout: '30 days' })],
    ['request timeout', (w: Wrkr) => w.request('a.b', {}, { timeout: '30 days' })],
    ['stop timeout', (w: Wrkr) => w.stop({ timeout: '30 days' })],
    ['fetch wait', (w: Wrkr) => w.fetch('q', { wait: '30 days' })],
  ])('a %s beyond 24.8 days is a ValidationError', async (_what, call) => {
    const w = new Wrkr({ backend: new MemoryBackend({ store: new MemoryStore() }), worker: false });
    started.push(w);
    await w.start();
    await expect(call(w)).rejects.toBeInstanceOf(ValidationError);
  });

  it.each([
    ['scheduler poll', { scheduler: { poll: '30 days' } }],
    ['worker heartbeat', { worker: { heartbeat: '30 days' } }],
  ])('a %s beyond 24.8 days is refused by the constructor', (_what, options) => {
    expect(() => new Wrkr({ backend: new MemoryBackend({ store: new MemoryStore() }), ...options })).toThrow(ValidationError);
  });
});
