import type { Logger } from '@wrkr/core/backend';
import type { QueueType } from './queue-declarer';

/** Settings of a RabbitMqBackend. */
export interface RabbitMqBackendOptions {
  /** AMQP URL. Default `amqp://guest:guest@127.0.0.1:5672`. */
  readonly url?: string;
  /** Isolates all broker objects (`wrkr.<namespace>.*`). Default `default`. */
  readonly namespace?: string;
  /** pino-compatible logger. Default: silent. */
  readonly logger?: Logger;
  /**
   * Queue type of wrkr queues: `classic` (default: fastest on one node) or `quorum` (replicated, and
   * counts every redelivery after a crash exactly; see the README for its one miscount).
   */
  readonly queueType?: QueueType;
  /**
   * Declare wrkr queues as RabbitMQ priority queues (`x-max-priority: 9`), so `publish`/`send` take
   * `priority` 0–9. Default: on with `classic` queues; quorum queues have no ten levels, so `quorum`
   * leaves it off (and `true` with `quorum` is refused). RabbitMQ fixes a queue's arguments when it is
   * created: `false` keeps a namespace whose queues an earlier wrkr version declared (see the README,
   * "Priorities"). Every client of a namespace must use the same setting.
   */
  readonly priorities?: boolean;
  /**
   * Cap of the consumer prefetch per wrkr queue on this client (leased + buffered deliveries). The
   * prefetch is 4× the claim that starts a consumer (so 400 for a subscription of concurrency 100), up
   * to this. Default 500.
   */
  readonly prefetch?: number;
  /**
   * Delayed items due within this many ms are held by the coordinator and released on their exact ms;
   * later ones ride the broker-side delay ladder first. Default 30000.
   */
  readonly delayHoldMs?: number;
  /**
   * Keep a shadow log per wrkr queue (a RabbitMQ stream bound beside it) so `job`/`jobs` work
   * (`capabilities.jobLookup` and `listings`). Default off: the broker then writes every routed message
   * twice, which costs end-to-end throughput (see the README, "Job lookup and listings"). Every client
   * of a namespace must use the same setting (a client without it writes no settle records).
   */
  readonly jobIndex?: boolean;
}

/** The default broker URL. */
export const DEFAULT_URL = 'amqp://guest:guest@127.0.0.1:5672';
