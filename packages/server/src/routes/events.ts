import type { EventInput, Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { operation } from '../route-schema';
import { eventBody, publishedReply, queueParams } from '../schemas';

/** POST /api/publish and POST /api/queues/:queue/send. */
export function eventRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.post<{ Body: EventInput }>(
    '/api/publish',
    { schema: operation('publishEvent', 'events', 'Publish an event to every queue bound to a matching pattern', { body: eventBody }, publishedReply, 'The event id, when it becomes due, and what its key did') },
    async (req) => wrkr.publish(req.body),
  );
  app.post<{ Body: EventInput; Params: { queue: string } }>(
    '/api/queues/:queue/send',
    { schema: operation('sendEvent', 'events', 'Send an event straight to a queue', { params: queueParams, body: eventBody }, publishedReply, 'The event id, when it becomes due, and what its key did') },
    async (req) => wrkr.send(req.params.queue, req.body),
  );
}
