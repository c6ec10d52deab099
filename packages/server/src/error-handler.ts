import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { isWrkrError, maskUrl, type WrkrErrorCode } from '@wrkr/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { apiError, type ApiError, type ApiErrorCode } from './api-error';

const STATUS: Partial<Record<WrkrErrorCode, number>> = {
  ERR_WRKR_VALIDATION: 400,
  ERR_WRKR_PAYLOAD_TOO_LARGE: 413,
  ERR_WRKR_NOT_FOUND: 404,
  ERR_WRKR_STALE_LEASE: 409,
  ERR_WRKR_NOT_SUPPORTED: 501,
  ERR_WRKR_CLOSED: 503,
  ERR_WRKR_NOT_STARTED: 503,
};

/** Codes of fastify's own client errors (body parsing, content type, size), which have no wrkr equivalent. */
const FASTIFY_CODES: Record<number, ApiErrorCode> = {
  400: 'ERR_WRKR_VALIDATION',
  404: 'ERR_WRKR_NOT_FOUND',
  413: 'ERR_WRKR_PAYLOAD_TOO_LARGE',
  415: 'ERR_WRKR_UNSUPPORTED_MEDIA_TYPE',
};

const DETAIL_KEYS = ['field', 'id', 'queue', 'size', 'limit'] as const;

/**
 * Every error becomes one ApiError body: wrkr errors keep their code (validation 400 with the field, not
 * found 404, stale lease 409), schema and body-parsing failures are 400 `ERR_WRKR_VALIDATION`, anything
 * unexpected a 500 that says nothing about its cause.
 */
export async function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const body = toApiError(err);
  if (body.statusCode >= 500) req.log.error({ err }, 'request failed');
  await reply.code(body.statusCode).send(body);
}

/** Longest path parameter (queue or schedule name) the router takes; longer ones are refused before routing. */
export const MAX_PARAM_LENGTH = 1024;

/** The router's answer to a path parameter over MAX_PARAM_LENGTH, in the same shape (raw: no route exists yet). */
export function paramTooLong(_path: string, _req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = 414;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(apiError(414, 'ERR_WRKR_VALIDATION', `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`, { field: 'params' })));
}

/** Requests node's HTTP parser rejects before fastify sees them (malformed, headers too large, too slow), in the same shape. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'the request took too long'] : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'the request headers are too large'] : [400, 'malformed HTTP request'];
  const body = JSON.stringify(apiError(status, 'ERR_WRKR_BAD_REQUEST', message));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/** The 404 of a route that does not exist, in the same shape. */
export async function notFoundHandler(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  await reply.code(404).send(apiError(404, 'ERR_WRKR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
}

function toApiError(err: FastifyError): ApiError {
  if (isWrkrError(err)) {
    const statusCode = STATUS[err.code] ?? 500;
    const details: Partial<ApiError> = {};
    for (const key of DETAIL_KEYS) if (err.details?.[key] !== undefined) Object.assign(details, { [key]: err.details[key] });
    return apiError(statusCode, err.code, maskUrl(err.message), details);
  }
  if (err.validation !== undefined) {
    const first = err.validation[0];
    const field = first === undefined ? err.validationContext ?? 'body' : fieldOf(err.validationContext, first.instancePath, first.params);
    return apiError(400, 'ERR_WRKR_VALIDATION', err.message, { field });
  }
  const status = err.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const code = FASTIFY_CODES[status] ?? (status === 401 ? 'ERR_WRKR_UNAUTHORIZED' : 'ERR_WRKR_BAD_REQUEST');
    const field = err.code?.startsWith('FST_ERR_CTP_') ? 'body' : err.code === 'FST_ERR_BAD_URL' ? 'url' : undefined;
    return apiError(status, code, err.message, field !== undefined ? { field } : {});
  }
  return apiError(500, 'ERR_WRKR_INTERNAL', 'internal error');
}

/** `body.event.name` style path of the offending field, including a missing required property. */
function fieldOf(context: string | undefined, instancePath: string, params: Record<string, unknown>): string {
  const parts = instancePath.split('/').filter((p) => p !== '');
  const extra = params.missingProperty ?? params.additionalProperty;
  if (typeof extra === 'string') parts.push(extra);
  return [context ?? 'body', ...parts].join('.');
}
