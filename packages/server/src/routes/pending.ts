import { NotFoundError, type Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { operation } from '../route-schema';
import { cancelledReply, idParams, pageQuery, pendingReply } from '../schemas';

/** Delayed publishes not yet routed: list, cancel. */
export function pendingRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.get<{ Querystring: { limit?: number; offset?: number } }>(
    '/api/pending',
    { schema: operation('listPending', 'pending', 'Delayed publishes not yet routed, soonest due first', { querystring: pageQuery }, pendingReply, 'Pending publishes') },
    async (req) => {
      const { limit, offset } = req.query;
      const page = await wrkr.pending({ ...(limit !== undefined ? { limit } : {}), ...(offset !== undefined ? { offset } : {}) });
      return page.map((p) => ({ ...p, dueAt: p.dueAt.toISOString() }));
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/api/pending/:id',
    { schema: operation('cancelPending', 'pending', 'Cancel a delayed publish (or delayed send) by id; 404 when nothing with that id is waiting', { params: idParams }, cancelledReply, 'Cancelled') },
    async (req) => {
      if (!(await wrkr.cancel(req.params.id))) throw new NotFoundError('pending event', req.params.id);
      return { id: req.params.id, cancelled: true };
    },
  );
}
