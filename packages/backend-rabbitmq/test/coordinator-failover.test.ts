import { connect } from 'amqplib';
import type { Message } from '@wrkr/core/backend';
import { backendClients } from './backend-clients';

const message = (name: string, id: string): Message => ({ id, name, publishedAt: Date.now() });

describe('coordinator state journal and failover', () => {
  const fixture = backendClients();
  const client = () => fixture.client();

  it('compacts the journal, and a new coordinator rebuilds pending delays, cancels and schedules from it', async () => {
    const a = await client();
    const dueAt = Date.now() + 3_600_000;
    for (let i = 0; i < 40; i++) {
      await a.send('q', Array.from({ length: 100 }, (_, k) => ({ message: message('j.job', `d-${i}-${k}`), dueAt })));
    }
    for (let k = 0; k < 50; k++) expect(await a.cancel(`d-0-${k}`)).toBe(true);
    await a.upsertSchedule({ name: 's', rule: { every: 60_000 }, event: { name: 'j.tick' }, active: true, nextRunAt: dueAt, updatedAt: 1 });
    expect((await a.stats('q')).delayed).toBe(3_950);

    await a.close();
    // The coordinator held its journal unacked; closed, it is back in the queue: fewer messages than
    // the 92 batches written, because a snapshot replaced the older ones.
    const conn = await connect(fixture.url);
    const ch = await conn.createChannel();
    const journal = await ch.checkQueue(`wrkr.${fixture.namespace}.journal`);
    await conn.close();
    expect(journal.messageCount).toBeGreaterThan(0);
    expect(journal.messageCount).toBeLessThan(80);

    const b = await client();
    expect((await b.stats('q')).delayed).toBe(3_950);
    expect(await b.cancel('d-0-10')).toBe(false);
    expect(await b.cancel('d-1-10')).toBe(true);
    expect((await b.getSchedule('s'))?.nextRunAt).toBe(dueAt);
    expect((await b.stats('q')).delayed).toBe(3_949);
  }, 60_000);
});
