import type { Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';

/** GET /api/workers: live workers with heartbeat age. */
export function workerRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.get('/api/workers', { schema: { tags: ['workers'], summary: 'Live workers with their heartbeats' } }, async () => {
    const now = Date.now();
    return (await wrkr.workers()).map((w) => ({ ...w, heartbeatAgeMs: now - w.heartbeatAt }));
  });
}
