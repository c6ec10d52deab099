import type { QueueLimitsInput, Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { operation } from '../route-schema';
import { queueLimitsBody, queueLimitsReply, queueParams } from '../schemas';

type Q = { Params: { queue: string } };
type Limits = QueueLimitsInput | null;

/** A queue's limits shared by every process: concurrency, a sliding-window rate, and fair groups. */
export function limitsRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.get<Q>(
    '/api/queues/:queue/limits',
    { schema: operation('getQueueLimits', 'queues', "The queue's limits, honoured by every process (`{}` when none)", { params: queueParams }, queueLimitsReply, 'The limits') },
    async (req) => ({ queue: req.params.queue, limits: await wrkr.queueLimits(req.params.queue) }),
  );
  app.put<Q & { Body: Limits }>(
    '/api/queues/:queue/limits',
    {
      schema: operation(
        'setQueueLimits',
        'queues',
        'Replace the queue\'s limits for every process: at most `concurrency` items in flight, at most `rate.max` starts in any `rate.per` window, and with `group` the same per group of items (by `tid` or a header), groups served in turn; `{}` or null removes them',
        { params: queueParams, body: queueLimitsBody },
        queueLimitsReply,
        'The limits now stored',
      ),
    },
    async (req) => {
      await wrkr.setQueueLimits(req.params.queue, req.body ?? null);
      return { queue: req.params.queue, limits: await wrkr.queueLimits(req.params.queue) };
    },
  );
}
