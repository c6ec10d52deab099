import type { Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { operation } from '../route-schema';
import { countReply, failedReply, idsBody, pageQuery, queueParams, queuesReply, statsReply } from '../schemas';

type Q = { Params: { queue: string } };

/** Queues with counts and bindings, one queue's stats, and its failed items (list, replay, purge). */
export function queueRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.get('/api/queues', { schema: operation('listQueues', 'queues', 'Every queue with its counts and bound patterns', {}, queuesReply, 'Every queue') }, async () => {
    const [queues, bindings] = await Promise.all([wrkr.queues(), wrkr.bindings()]);
    return Promise.all(
      queues.map(async (queue) => ({
        queue,
        ...(await wrkr.stats(queue)),
        patterns: bindings.filter((b) => b.queue === queue).map((b) => b.pattern),
      })),
    );
  });
  app.get<Q>('/api/queues/:queue/stats', { schema: operation('getQueueStats', 'queues', 'Exact counts of a queue', { params: queueParams }, statsReply, 'Counts by state') }, async (req) =>
    wrkr.stats(req.params.queue),
  );
  app.get<Q & { Querystring: { limit?: number; offset?: number } }>(
    '/api/queues/:queue/failed',
    { schema: operation('listFailed', 'failed', 'Failed items of a queue, oldest first', { params: queueParams, querystring: pageQuery }, failedReply, 'Failed items with their errors') },
    async (req) => {
      const { limit, offset } = req.query;
      const items = await wrkr.failed(req.params.queue, { ...(limit !== undefined ? { limit } : {}), ...(offset !== undefined ? { offset } : {}) });
      return items.map((f) => ({
        queue: f.queue,
        id: f.raw.id,
        name: f.raw.name,
        ...(f.raw.tid !== undefined ? { tid: f.raw.tid } : {}),
        ...(f.event?.data !== undefined ? { data: f.event.data } : {}),
        attempt: f.attempt,
        error: f.error,
        failedAt: f.failedAt.toISOString(),
      }));
    },
  );
  app.post<Q & { Body: { ids?: string[] } | null }>(
    '/api/queues/:queue/failed/replay',
    { schema: operation('replayFailed', 'failed', 'Move failed items (all, or those ids) back to the queue', { params: queueParams, body: idsBody }, countReply, 'How many moved') },
    async (req) => ({ count: await wrkr.replay(req.params.queue, req.body?.ids) }),
  );
  app.post<Q & { Body: { ids?: string[] } | null }>(
    '/api/queues/:queue/failed/purge',
    { schema: operation('purgeFailed', 'failed', 'Delete failed items (all, or those ids)', { params: queueParams, body: idsBody }, countReply, 'How many were deleted') },
    async (req) => ({ count: await wrkr.purge(req.params.queue, req.body?.ids) }),
  );
}
