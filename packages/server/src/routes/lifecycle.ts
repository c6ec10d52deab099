import type { ServerResponse } from 'node:http';
import type { Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { operation } from '../route-schema';
import { countersReply, queueParams } from '../schemas';

type Q = { Params: { queue: string } };

/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/** A queue's job lifecycle as server-sent events, and its durable counters. */
export function lifecycleRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  const streams = new Set<ServerResponse>();
  // Open streams never end on their own: end them so the server can close.
  app.addHook('preClose', (done) => {
    for (const res of streams) res.end();
    done();
  });

  app.get<Q>(
    '/api/queues/:queue/counters',
    { schema: operation('getQueueCounters', 'queues', "Durable totals of a queue's completed, failed and retried jobs", { params: queueParams }, countersReply, 'Totals since the first count') },
    async (req) => wrkr.counters(req.params.queue),
  );

  app.get<Q>(
    '/api/queues/:queue/events',
    {
      schema: {
        operationId: 'watchQueueEvents',
        tags: ['queues'],
        summary: "Follow a queue's job lifecycle live (server-sent events; best-effort, not replayed)",
        params: queueParams,
        response: {
          200: {
            description: 'One `event: <kind>` (active, progress, completed, failed, retrying) with the JSON event as `data` per lifecycle step, until the client disconnects',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          '4xx': { description: 'Refused: bad queue name (400), credentials (401)', $ref: 'ApiError#' },
          '5xx': { description: 'Server or backend failure', $ref: 'ApiError#' },
        },
      },
    },
    async (req, reply) => {
      // Subscribed before the answer starts, so a refusal is still an ApiError and the stream misses nothing after its headers.
      const watch = await wrkr.watch(req.params.queue);
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': watching\n\n');
      streams.add(res);
      watch.on('event', (e) => res.write(`event: ${e.kind}\ndata: ${JSON.stringify(e)}\n\n`));
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      res.on('close', () => {
        clearInterval(heartbeat);
        streams.delete(res);
        void watch.close().catch((err: unknown) => req.log.warn({ err }, 'closing a lifecycle watch failed'));
      });
    },
  );
}
