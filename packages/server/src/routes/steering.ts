import type { Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { operation } from '../route-schema';
import { pausedReply, queueParams } from '../schemas';

type Q = { Params: { queue: string } };

/** Steering a queue while it runs: pause and resume claiming in every process. */
export function steeringRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.post<Q>(
    '/api/queues/:queue/pause',
    { schema: operation('pauseQueue', 'queues', 'Stop every process claiming from the queue (items keep arriving)', { params: queueParams }, pausedReply, 'Paused') },
    async (req) => {
      await wrkr.pause(req.params.queue);
      return { queue: req.params.queue, paused: true };
    },
  );
  app.post<Q>(
    '/api/queues/:queue/resume',
    { schema: operation('resumeQueue', 'queues', 'Let every process claim from a paused queue again', { params: queueParams }, pausedReply, 'Resumed') },
    async (req) => {
      await wrkr.resume(req.params.queue);
      return { queue: req.params.queue, paused: false };
    },
  );
}
