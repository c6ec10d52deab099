import { randomBytes } from 'node:crypto';
import { RabbitMqBackend } from '@wrkr/backend-rabbitmq';
import type { Delivery, Message } from '@wrkr/core/backend';
import { backendClients } from './backend-clients';
import { closeConnections, restartBroker } from './rabbitmqctl';

// A `.serial.test.ts` file: stop_app/start_app disrupts everyone on this broker, so scripts/test.sh runs
// these files on their own, after the parallel run.

const message = (name: string): Message => ({ id: randomBytes(8).toString('hex'), name, body: '{"n":1}', publishedAt: Date.now() });

/** Claim and ack until `ids` all arrived (or `ms` pass); returns the ids seen, duplicates included. */
async function drain(b: RabbitMqBackend, queue: string, count: number, ms: number): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + ms;
  while (seen.length < count && Date.now() < deadline) {
    let got: Delivery[] = [];
    try {
      got = await b.claim(queue, { max: 50, leaseMs: 30_000, waitMs: 500 });
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const d of got) {
      seen.push(d.message.id);
      await b.ack({ queue, id: d.message.id, token: d.token });
    }
  }
  return seen;
}

describe('reconnect', () => {
  const fixture = backendClients({ delayHoldMs: 1000 });
  const client = () => fixture.client();

  it('after close_connection a waiting consumer resumes, publishes keep working, delayed items and schedules survive', async () => {
    const b = await client();
    await b.bind('q', 'rc.#');
    const before = [message('rc.before'), message('rc.before')];
    await b.publish(before.map((m) => ({ message: m })));
    const delayed = message('rc.delayed');
    await b.publish([{ message: delayed, dueAt: Date.now() + 1500 }]);
    const consuming = drain(b, 'q', 5, 15_000);
    expect(await closeConnections(b.connectionName)).toBeGreaterThan(0);
    const after = [message('rc.after'), message('rc.after')];
    await b.publish(after.map((m) => ({ message: m })));
    const seen = await consuming;
    expect(seen.sort()).toEqual([...before, ...after, delayed].map((m) => m.id).sort());
  });

  it('after a broker restart (stop_app/start_app) consumers resume and no confirmed publish is lost', async () => {
    const b = await client();
    await b.bind('q', 'rs.#');
    const sent = Array.from({ length: 50 }, () => message('rs.before'));
    await b.publish(sent.map((m) => ({ message: m })));
    const delayed = message('rs.delayed');
    await b.publish([{ message: delayed, dueAt: Date.now() + 3000 }]);
    const restarting = restartBroker();
    // Publishes issued while the broker is down resolve once it is back and they are confirmed.
    const during = Array.from({ length: 10 }, () => message('rs.during'));
    const publishing = (async () => {
      await new Promise((r) => setTimeout(r, 500));
      await b.publish(during.map((m) => ({ message: m })));
    })();
    await restarting;
    await publishing;
    const seen = await drain(b, 'q', 61, 60_000);
    expect(new Set(seen)).toEqual(new Set([...sent, ...during, delayed].map((m) => m.id)));
  }, 120_000);
});
