import type { Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { operation } from '../route-schema';
import { workersReply } from '../schemas';

/** GET /api/workers: live workers with heartbeat age. */
export function workerRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.get('/api/workers', { schema: operation('listWorkers', 'workers', 'Live workers with their heartbeats', {}, workersReply, 'Live workers') }, async () => {
    const now = Date.now();
    return (await wrkr.workers()).map((w) => ({ ...w, heartbeatAgeMs: now - w.heartbeatAt }));
  });
}
