import { BackendError } from '@wrkr/core/backend';

/** What a `QueueArgumentsError` is about; also how the coordinator sends one back to the asking client. */
export interface QueueArgumentsInfo {
  /** The wrkr queue. */
  readonly queue: string;
  /** Its AMQP queue (`wrkr.<ns>.q.<queue>`). */
  readonly amqpQueue: string;
  /** The `x-max-priority` this client declares it with (0: none). */
  readonly wanted: number;
}

/**
 * A wrkr queue exists on the broker with other arguments than this client declares it with: RabbitMQ
 * refuses the redeclare (PRECONDITION_FAILED) and cannot change a queue's arguments in place. In
 * practice a queue made by a wrkr version without priorities, met by a client with priorities on (or
 * the other way round). Code `ERR_WRKR_BACKEND`; the message names the queue and both ways out.
 */
export class QueueArgumentsError extends BackendError {
  /** The queue and the declaration this client wanted. */
  readonly info: QueueArgumentsInfo;

  constructor(info: QueueArgumentsInfo, options?: { cause?: unknown }) {
    const fix =
      info.wanted > 0
        ? `it was declared without priorities (x-max-priority), by an earlier wrkr version or by a client with \`priorities: false\`. ` +
          `Either start this backend with \`priorities: false\` (the queue works as before, without priorities), or migrate it: ` +
          `stop publishing to it, drain it with a \`priorities: false\` client, delete the empty queue (rabbitmqctl delete_queue ${info.amqpQueue}), ` +
          `and the next client declares it with priorities (see the @wrkr/backend-rabbitmq README, "Priorities")`
        : `it was declared with priorities (x-max-priority) and this client has \`priorities: false\`: ` +
          `drop that option (every client of a namespace must declare its queues alike; see the @wrkr/backend-rabbitmq README, "Priorities")`;
    super(`rabbitmq: queue ${JSON.stringify(info.queue)} (${info.amqpQueue}) cannot be used as declared: ${fix}`, options);
    this.info = info;
  }
}
