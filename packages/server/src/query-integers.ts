import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

const DECIMAL = /^(0|[1-9][0-9]{0,14})$/;

/**
 * A preValidation hook turning query-string values into integers where the route's schema wants one. The
 * validator itself never coerces (`"5x"`, `"1e3"`, a repeated key or an object stay strings or arrays
 * and are refused), so only plain decimal text becomes a number.
 */
export function parseQueryIntegers(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const schema = req.routeOptions.schema?.querystring as { properties?: Record<string, { type?: unknown }> } | undefined;
  const query = req.query as Record<string, unknown> | undefined;
  if (schema?.properties !== undefined && typeof query === 'object' && query !== null) {
    for (const [key, prop] of Object.entries(schema.properties)) {
      const value = query[key];
      if (prop.type === 'integer' && typeof value === 'string' && DECIMAL.test(value)) query[key] = Number(value);
    }
  }
  done();
}
