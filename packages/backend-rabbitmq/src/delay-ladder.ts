import type { Channel } from 'amqplib';
import type { Names } from './names';

/** Highest ladder level: a message waits at most 2^36 − 1 ms (about 2.2 years) per pass. */
export const LADDER_TOP = 35;

/**
 * The delay ladder: level k is a queue whose messages wait exactly 2^k ms (per-queue TTL, so the head is
 * always the next to expire) and then dead-letter into the exchange of the level below. Every level's
 * topic exchange looks at one bit of the routing key, which spells the delay in binary from the top bit
 * down: bit set → wait in that level's queue, bit clear → straight to the next exchange. So a message
 * passes through one queue per set bit, all inside the broker, durable (persistent messages in durable
 * queues), and leaves at `ladderExit`, which feeds the coordinator's command queue. The ladder only has
 * to come close: the coordinator holds the message for the last stretch and releases it on the exact ms.
 */
export class DelayLadder {
  constructor(
    private readonly names: Names,
    /** Lowest level: delays are rounded down to multiples of 2^bottom ms. */
    readonly bottom: number,
  ) {}

  /** Declare every level (idempotent). */
  async declare(ch: Channel): Promise<void> {
    const n = this.names;
    await ch.assertExchange(n.ladderExit, 'fanout', { durable: true });
    await ch.bindQueue(n.commands, n.ladderExit, '');
    for (let k = this.bottom; k <= LADDER_TOP; k++) {
      await ch.assertExchange(n.ladderExchange(k), 'topic', { durable: true });
    }
    for (let k = this.bottom; k <= LADDER_TOP; k++) {
      const below = k === this.bottom ? n.ladderExit : n.ladderExchange(k - 1);
      await ch.assertQueue(n.ladderQueue(k), {
        durable: true,
        arguments: { 'x-message-ttl': 2 ** k, 'x-dead-letter-exchange': below, 'x-queue-type': 'classic' },
      });
      const prefix = '*.'.repeat(LADDER_TOP - k);
      await ch.bindQueue(n.ladderQueue(k), n.ladderExchange(k), `${prefix}1.#`);
      await ch.bindExchange(below, n.ladderExchange(k), `${prefix}0.#`);
    }
  }

  /** Every exchange and queue a ladder of this namespace can have (clients may use other bottoms), for deleting it. */
  objects(): { exchanges: string[]; queues: string[] } {
    const exchanges = [this.names.ladderExit];
    const queues: string[] = [];
    for (let k = 0; k <= LADDER_TOP; k++) {
      exchanges.push(this.names.ladderExchange(k));
      queues.push(this.names.ladderQueue(k));
    }
    return { exchanges, queues };
  }

  /** Where to publish a message that should come out of the ladder after about `ms` (never later). */
  route(ms: number): { exchange: string; routingKey: string } | undefined {
    const units = Math.floor(ms / 2 ** this.bottom);
    if (units <= 0) return undefined;
    const levels = LADDER_TOP - this.bottom + 1;
    const capped = Math.min(units, 2 ** levels - 1);
    const bits = capped.toString(2).padStart(levels, '0');
    return { exchange: this.names.ladderExchange(LADDER_TOP), routingKey: bits.split('').join('.') };
  }
}
