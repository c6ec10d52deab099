'use strict';
/**
 * The raw amqplib reference for a burst (shared by run.js and burst.js): raw amqplib has no delays, so
 * this publishes `n` messages as fast as it can and measures, for each, handler start − the moment
 * publishing began. That is the least any scheduler could achieve here: the time the broker and client
 * need to hand `n` ready messages to a consumer with prefetch 100 that acks each.
 *
 * `like` makes the broker do what wrkr's contract asks of it for the same messages: a queue with
 * `x-max-priority: 9` (priorities), reached through a topic exchange by the event's name (publish by
 * name), and the properties every wrkr message carries (id, name, publish time, content type, app id),
 * which cost amqplib's encoder and the broker per message. The plain reference stays the target's
 * yardstick; the like one separates the broker's cost of the contract from wrkr's own.
 *
 * `carriers` ('each' | 'one') adds, on top of `like`, `n` persistent carriers held unacked on another
 * channel and acked once the burst is confirmed — one frame each, or one multiple ack — as wrkr's
 * coordinator acks the carriers of the items it released.
 */
const { randomBytes } = require('node:crypto');
const amqp = require('amqplib');

/** Lateness of each of `n` messages (ms, in arrival order) and the client CPU the burst took. */
async function rawBurst(url, n, { like = false, carriers } = {}) {
  const conn = await amqp.connect(url);
  const tag = randomBytes(4).toString('hex');
  const queue = `bench.raw.${tag}`;
  const exchange = `bench.rawx.${tag}`;
  const carrierQueue = `bench.rawc.${tag}`;
  const routed = like || carriers !== undefined;
  try {
    const pub = await conn.createConfirmChannel();
    const sub = await conn.createChannel();
    await pub.assertQueue(queue, { durable: true, arguments: routed ? { 'x-max-priority': 9 } : {} });
    if (routed) {
      await pub.assertExchange(exchange, 'topic', { durable: true });
      await pub.bindQueue(queue, exchange, 'bench.#');
    }
    await sub.prefetch(100);
    const held = [];
    let cch;
    if (carriers !== undefined) {
      cch = await conn.createChannel();
      await pub.assertQueue(carrierQueue, { durable: true });
      for (let i = 0; i < n; i++) pub.sendToQueue(carrierQueue, Buffer.from(JSON.stringify({ i })), { persistent: true, messageId: `c${i}`, headers: { 'x-wrkr-due-at': 1, 'x-wrkr-nonce': tag } });
      await pub.waitForConfirms();
      let all;
      const arrived = new Promise((r) => (all = r));
      await cch.consume(carrierQueue, (m) => m && held.push(m) === n && all());
      await arrived;
    }
    const late = [];
    let done;
    const finished = new Promise((r) => (done = r));
    let t0 = 0;
    await sub.consume(queue, (msg) => {
      if (!msg) return;
      late.push(Date.now() - t0);
      JSON.parse(msg.content.toString());
      sub.ack(msg);
      if (late.length === n) done();
    });
    const cpu0 = process.cpuUsage();
    t0 = Date.now();
    for (let i = 0; i < n; i++) {
      const body = Buffer.from(JSON.stringify({ i }));
      if (routed) pub.publish(exchange, 'bench.late', body, { persistent: true, messageId: `${tag}.${i}`, contentType: 'application/json', appId: 'wrkr', type: 'bench.late', timestamp: Date.now() });
      else pub.sendToQueue(queue, body, { persistent: true });
    }
    await pub.waitForConfirms();
    if (carriers === 'one') cch.ack(held[n - 1], true);
    else if (carriers === 'each') for (const m of held) cch.ack(m);
    const timeout = setTimeout(() => done(new Error('raw burst did not finish within 120000 ms')), 120_000);
    const err = await finished;
    clearTimeout(timeout);
    if (err) throw err;
    const cpu = process.cpuUsage(cpu0);
    await sub.close();
    await pub.deleteQueue(queue);
    if (routed) await pub.deleteExchange(exchange);
    if (carriers !== undefined) await pub.deleteQueue(carrierQueue);
    return { late, cpu };
  } finally {
    await conn.close().catch(() => undefined);
  }
}

module.exports = { rawBurst };
