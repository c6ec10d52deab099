import { eventually, memoryWrkrs, sleep } from './harness';

describe('lease renewal', () => {
  const { make } = memoryWrkrs();

  it('renews the lease of a long handler so no other consumer gets the item', async () => {
    const a = await make();
    const b = await make();
    let calls = 0;
    const handler = async () => {
      calls++;
      await sleep(400);
    };
    await a.subscribe('long', 'job.long', handler, { visibilityTimeout: 100 });
    await b.subscribe('long', null, handler, { visibilityTimeout: 100 });
    await a.publish({ name: 'job.long' });
    await eventually(async () => calls === 1 && (await a.stats('long')).inFlight === 0, 3000);
    expect(calls).toBe(1);
  });
});
