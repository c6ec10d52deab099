import { isWrkrError, type WrkrErrorCode } from '@wrkr/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

const STATUS: Partial<Record<WrkrErrorCode, number>> = {
  ERR_WRKR_VALIDATION: 400,
  ERR_WRKR_PAYLOAD_TOO_LARGE: 413,
  ERR_WRKR_NOT_FOUND: 404,
  ERR_WRKR_STALE_LEASE: 409,
  ERR_WRKR_NOT_SUPPORTED: 501,
  ERR_WRKR_CLOSED: 503,
  ERR_WRKR_NOT_STARTED: 503,
};

/** Map wrkr errors to HTTP statuses (validation 400 with the field, not found 404, stale lease 409) and schema failures to 400. */
export async function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (isWrkrError(err)) {
    const statusCode = STATUS[err.code] ?? 500;
    if (statusCode >= 500) req.log.error({ err }, 'request failed');
    await reply.code(statusCode).send({ statusCode, error: err.name, code: err.code, message: err.message, ...(err.details ?? {}) });
    return;
  }
  if (err.validation !== undefined) {
    const first = err.validation[0];
    const field = first === undefined ? undefined : fieldOf(err.validationContext, first.instancePath, first.params);
    await reply.code(400).send({ statusCode: 400, error: 'Bad Request', code: 'ERR_WRKR_VALIDATION', message: err.message, ...(field !== undefined ? { field } : {}) });
    return;
  }
  const statusCode = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
  if (statusCode >= 500) req.log.error({ err }, 'request failed');
  await reply.code(statusCode).send({ statusCode, error: err.name, message: statusCode >= 500 ? 'internal error' : err.message });
}

/** `body.event.name` style path of the offending field, including a missing required property. */
function fieldOf(context: string | undefined, instancePath: string, params: Record<string, unknown>): string {
  const parts = instancePath.split('/').filter((p) => p !== '');
  const extra = params.missingProperty ?? params.additionalProperty;
  if (typeof extra === 'string') parts.push(extra);
  return [context ?? 'body', ...parts].join('.');
}
