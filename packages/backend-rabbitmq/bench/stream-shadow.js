#!/usr/bin/env node
'use strict';
/**
 * What a broker-kept shadow copy of every item would cost: the candidate design for `jobLookup`,
 * `listings` and `keepCompleted` on RabbitMQ (see the README) binds a stream queue exactly like each
 * work queue, so the broker itself writes every routed message to an append-only log that can be read
 * by offset without consuming the work queue. Raw amqplib only (no wrkr code), same work as the
 * end-to-end reference of run.js (persistent messages, confirms per batch of 100, prefetch 100, ack
 * each), in three variants measured in alternating rounds:
 *
 *   plain   topic exchange → durable classic queue
 *   stream  the same, plus a stream queue bound with the same pattern
 *   tailed  the same, plus a consumer reading the stream from its first offset in this process
 *           (what an indexer folding the log would pay in client CPU)
 *
 *   node packages/backend-rabbitmq/bench/stream-shadow.js [--rounds 5] [--quick]
 */
const { randomBytes } = require('node:crypto');
const amqp = require('amqplib');
const { counter, within, fmt, benchArgs, roundsArg, median, alternatingRounds } = require('../../../bench/measure');

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const { quick } = benchArgs();
const TOTAL = quick ? 5_000 : 20_000;
const BATCH = 100;
const VARIANTS = ['plain', 'stream', 'tailed'];

/** One round of `variant`: events/s until the work queue's consumer acked every message, and client CPU µs per message. */
async function round(variant) {
  const conn = await amqp.connect(url);
  const tag = randomBytes(4).toString('hex');
  const exchange = `bench.shadow.${tag}`;
  const queue = `bench.shadow.q.${tag}`;
  const stream = `bench.shadow.s.${tag}`;
  try {
    const pub = await conn.createConfirmChannel();
    const sub = await conn.createChannel();
    await pub.assertExchange(exchange, 'topic', { durable: true });
    await pub.assertQueue(queue, { durable: true });
    await pub.bindQueue(queue, exchange, 'bench.#');
    if (variant !== 'plain') {
      await pub.assertQueue(stream, { durable: true, arguments: { 'x-queue-type': 'stream', 'x-max-age': '1h' } });
      await pub.bindQueue(stream, exchange, 'bench.#');
    }
    const tailed = counter(TOTAL);
    if (variant === 'tailed') {
      const tail = await conn.createChannel();
      await tail.prefetch(1000);
      await tail.consume(
        stream,
        (msg) => {
          if (!msg) return;
          JSON.parse(msg.content.toString());
          tail.ack(msg);
          tailed.tick();
        },
        { arguments: { 'x-stream-offset': 'first' } },
      );
    }
    await sub.prefetch(100);
    const c = counter(TOTAL);
    await sub.consume(queue, (msg) => {
      if (!msg) return;
      JSON.parse(msg.content.toString());
      sub.ack(msg);
      c.tick();
    });
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    for (let i = 0; i < TOTAL; i += BATCH) {
      for (let k = 0; k < BATCH; k++) {
        const body = { id: randomBytes(8).toString('hex'), name: 'bench.shadow', data: { i: i + k } };
        pub.publish(exchange, 'bench.shadow', Buffer.from(JSON.stringify(body)), { persistent: true });
      }
      await pub.waitForConfirms();
    }
    const t1 = await within(c.done, 300_000, `${variant} work queue`);
    if (variant === 'tailed') await within(tailed.done, 300_000, 'stream tail');
    const cpu = process.cpuUsage(cpu0);
    await pub.deleteQueue(queue);
    if (variant !== 'plain') await pub.deleteQueue(stream);
    await pub.deleteExchange(exchange);
    return { rate: (TOTAL * 1000) / (t1 - t0), cpuUs: (cpu.user + cpu.system) / TOTAL };
  } finally {
    await conn.close().catch(() => undefined);
  }
}

async function main() {
  const rounds = roundsArg(5);
  await round('plain'); // unmeasured warm-up: connection, JIT
  const times = await alternatingRounds(VARIANTS, rounds, round);
  const plain = median(times.plain.map((r) => r.rate));
  console.log(`## stream shadow: ${fmt(TOTAL)} events per round, median of ${rounds} alternating rounds`);
  for (const v of VARIANTS) {
    const rate = median(times[v].map((r) => r.rate));
    const cpu = median(times[v].map((r) => r.cpuUs));
    console.log(`${v.padEnd(7)} ${fmt(rate).padStart(8)} events/s  ${(rate / plain).toFixed(2)}× plain  client CPU ${cpu.toFixed(1)} µs/event`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
