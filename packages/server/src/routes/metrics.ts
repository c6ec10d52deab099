import type { Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { createMetrics } from '../metrics';

/** GET /metrics: the Wrkr's metrics in the Prometheus text format, behind the same credentials as `/api`. */
export function metricsRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  const metrics = createMetrics(wrkr);
  app.addHook('onClose', (_app, done) => {
    metrics.close();
    done();
  });
  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        tags: ['monitoring'],
        summary: 'Queue depths, job counters and timings, live workers (Prometheus text format)',
        response: {
          200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } },
          '4xx': { description: 'Refused: credentials (401)', $ref: 'ApiError#' },
          '5xx': { description: 'Server or backend failure', $ref: 'ApiError#' },
        },
      },
    },
    async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
