import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Wrkr } from '@wrkr/core';
import { authHook, hasAuth, type AuthOptions } from './auth';
import { errorHandler } from './error-handler';
import { dashboardRoutes } from './routes/dashboard';
import { eventRoutes } from './routes/events';
import { pullRoutes } from './routes/pull';
import { queueRoutes } from './routes/queues';
import { scheduleRoutes } from './routes/schedules';
import { workerRoutes } from './routes/workers';

/** Options of the HTTP server. */
export interface ServerOptions {
  /** A started Wrkr instance the routes act on (the caller owns its lifecycle). */
  wrkr: Wrkr;
  /** Credentials required on `/api/*`; none means open (allowed on loopback only by `listen`). */
  auth?: AuthOptions;
  /** pino logger for requests; silent by default. */
  logger?: FastifyBaseLogger;
}

/** Paths reachable without credentials: the dashboard shell (it asks for them), the OpenAPI document and health. */
const PUBLIC_PATHS = new Set(['/', '/dashboard.js', '/dashboard.css', '/openapi.json', '/health']);

/** Build the fastify app: the JSON API under `/api`, its OpenAPI document at `/openapi.json`, the dashboard at `/`. */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const { wrkr, auth } = options;
  const app = Fastify({
    ...(options.logger !== undefined ? { loggerInstance: options.logger } : {}),
    // Reject unknown body fields with a 400 instead of silently dropping them.
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.setErrorHandler(errorHandler);
  if (hasAuth(auth)) {
    const check = authHook(auth!);
    app.addHook('onRequest', async (req, reply) => {
      if (!PUBLIC_PATHS.has(req.url.split('?')[0]!)) await check(req, reply);
    });
  }
  await app.register(swagger, {
    openapi: {
      info: { title: 'wrkr API', version: '0.1.0', description: 'Publish events, manage schedules and failed items, and pull work over HTTP.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } } },
      security: hasAuth(auth) ? [{ bearer: [] }, { basic: [] }] : [],
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, (_req, reply) => reply.send(app.swagger()));
  app.get('/health', { schema: { hide: true } }, (_req, reply) => reply.send({ ok: true }));
  eventRoutes(app, wrkr);
  queueRoutes(app, wrkr);
  scheduleRoutes(app, wrkr);
  workerRoutes(app, wrkr);
  pullRoutes(app, wrkr);
  dashboardRoutes(app);
  return app;
}
