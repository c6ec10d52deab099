import type { EventInput, Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { eventBody, queueParams } from '../schemas';

/** POST /api/publish and POST /api/queues/:queue/send. */
export function eventRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.post<{ Body: EventInput }>(
    '/api/publish',
    { schema: { tags: ['events'], summary: 'Publish an event to every queue bound to a matching pattern', body: eventBody } },
    async (req) => wrkr.publish(req.body),
  );
  app.post<{ Body: EventInput; Params: { queue: string } }>(
    '/api/queues/:queue/send',
    { schema: { tags: ['events'], summary: 'Send an event straight to a queue', params: queueParams, body: eventBody } },
    async (req) => wrkr.send(req.params.queue, req.body),
  );
}
