import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Wrkr } from '@wrkr/core';
import { apiErrorSchema } from './api-error';
import { authHook, checkAuth, markSecured, type AuthOptions } from './auth';
import { clientErrorHandler, errorHandler, MAX_PARAM_LENGTH, notFoundHandler, paramTooLong } from './error-handler';
import { openApiDocument } from './openapi';
import { parseQueryIntegers } from './query-integers';
import { DASHBOARD_PATHS, dashboardRoutes } from './routes/dashboard';
import { eventRoutes } from './routes/events';
import { jobRoutes } from './routes/jobs';
import { metricsRoutes } from './routes/metrics';
import { pendingRoutes } from './routes/pending';
import { pullRoutes } from './routes/pull';
import { queueRoutes } from './routes/queues';
import { steeringRoutes } from './routes/steering';
import { limitsRoutes } from './routes/limits';
import { lifecycleRoutes } from './routes/lifecycle';
import { scheduleRoutes } from './routes/schedules';
import { workerRoutes } from './routes/workers';

/** Options of the HTTP server. */
export interface ServerOptions {
  /** A started Wrkr instance the routes act on (the caller owns its lifecycle). */
  wrkr: Wrkr;
  /** Credentials required on `/api/*` and `/metrics`; none means open (allowed on loopback only by `listen`). Empty ones are refused. */
  auth?: AuthOptions;
  /** pino logger for requests (one line per request at info: method, path without its query, status, time); silent by default. */
  logger?: FastifyBaseLogger;
}

/** Paths reachable without credentials: the dashboard's files (it asks for them), the OpenAPI document and health. */
const PUBLIC_PATHS = new Set([...DASHBOARD_PATHS, '/openapi.json', '/health']);

/** Build the fastify app: the JSON API under `/api`, Prometheus metrics at `/metrics`, its OpenAPI document at `/openapi.json`, the dashboard at `/`. */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const { wrkr, auth } = options;
  const secured = checkAuth(auth);
  const app = Fastify({
    ...(options.logger !== undefined ? { loggerInstance: options.logger } : {}),
    // fastify's own request lines carry the query string, which may hold secrets; ours below does not.
    logController: new LogController({ disableRequestLogging: true }),
    // Refuse unknown body fields and wrong JSON types with a 400 instead of dropping or converting them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    // Long enough for every name wrkr accepts, so wrkr itself refuses bad ones with the field named.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH, onMaxParamLength: paramTooLong },
    frameworkErrors: (err, req, reply) => void errorHandler(err, req, reply),
    clientErrorHandler,
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addSchema(apiErrorSchema);
  app.addHook('preValidation', parseQueryIntegers);
  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ method: req.method, path: req.url.split('?')[0], statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  if (secured) {
    markSecured(app);
    const check = authHook(auth!);
    app.addHook('onRequest', async (req, reply) => {
      if (!PUBLIC_PATHS.has(req.url.split('?')[0]!)) await check(req, reply);
    });
  }
  await app.register(swagger, openApiDocument(auth));
  app.get('/openapi.json', { schema: { hide: true } }, (_req, reply) => reply.send(app.swagger()));
  app.get('/health', { schema: { hide: true } }, (_req, reply) => reply.send({ ok: true }));
  eventRoutes(app, wrkr);
  queueRoutes(app, wrkr);
  steeringRoutes(app, wrkr);
  limitsRoutes(app, wrkr);
  lifecycleRoutes(app, wrkr);
  jobRoutes(app, wrkr);
  pendingRoutes(app, wrkr);
  scheduleRoutes(app, wrkr);
  workerRoutes(app, wrkr);
  pullRoutes(app, wrkr);
  metricsRoutes(app, wrkr);
  dashboardRoutes(app);
  return app;
}
