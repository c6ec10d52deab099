#!/usr/bin/env node
'use strict';
/**
 * Client CPU per item of the plain claim + ack path, straight on the backend (no `Wrkr`): the path
 * sticky pull must not slow down (issue 11). Not part of the tests. For an A/B, build each version's
 * `dist`, swap it in between runs and alternate; CPU per item moves less with the load than throughput.
 *
 *   npm run build && node packages/backend-rabbitmq/bench/claim-ack-cpu.js [items]
 */
const { randomBytes } = require('node:crypto');
const { RabbitMqBackend } = require('@wrkr/backend-rabbitmq');

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const total = Number(process.argv[2] ?? 20_000);

(async () => {
  const backend = new RabbitMqBackend({ url, namespace: `bench_${randomBytes(4).toString('hex')}` });
  await backend.start();
  try {
    for (let i = 0; i < total; i += 1000) {
      await backend.send('q', Array.from({ length: Math.min(1000, total - i) }, (_, k) => ({ message: { id: `m${i + k}`, name: 'bench.cpu', publishedAt: Date.now() } })));
    }
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    for (let n = 0; n < total; ) {
      const got = await backend.claim('q', { max: 100, leaseMs: 30_000, waitMs: 1000 });
      await Promise.all(got.map((d) => backend.ack({ queue: 'q', id: d.message.id, token: d.token })));
      n += got.length;
    }
    const cpu = process.cpuUsage(cpu0);
    console.log(`claim+ack ${total}: client CPU ${((cpu.user + cpu.system) / total).toFixed(1)} µs/item, wall ${Date.now() - t0} ms`);
  } finally {
    await backend.destroy();
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
