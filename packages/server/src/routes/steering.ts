import type { Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { operation } from '../route-schema';
import { abortBody, abortReply, jobParams, pausedReply, queueParams } from '../schemas';

type Q = { Params: { queue: string } };

/** Steering work while it runs: pause and resume a queue in every process, abort a running job wherever it runs. */
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
  app.post<{ Params: { queue: string; id: string }; Body: { reason?: string; fail?: boolean } | null }>(
    '/api/queues/:queue/jobs/:id/abort',
    {
      schema: operation(
        'abortJob',
        'queues',
        'Abort the handler running a job, in whichever process: it then follows the retry policy, or goes to the failed store with `fail: true`',
        { params: jobParams, body: abortBody },
        abortReply,
        'Whether the job was in flight (and so was aborted)',
      ),
    },
    async (req) => ({ aborted: await wrkr.abort(req.params.queue, req.params.id, req.body ?? {}) }),
  );
}
