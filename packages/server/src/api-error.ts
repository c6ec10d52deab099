import { STATUS_CODES } from 'node:http';
import type { WrkrErrorCode } from '@wrkr/core';

/** Codes an error body carries: wrkr's own, plus the ones only HTTP has. */
export type ApiErrorCode = WrkrErrorCode | 'ERR_WRKR_UNAUTHORIZED' | 'ERR_WRKR_UNSUPPORTED_MEDIA_TYPE' | 'ERR_WRKR_BAD_REQUEST' | 'ERR_WRKR_INTERNAL';

/** The body of every 4xx and 5xx answer. */
export interface ApiError {
  /** The HTTP status, repeated. */
  statusCode: number;
  /** Its reason phrase, e.g. `Bad Request`. */
  error: string;
  /** Stable code to switch on. */
  code: ApiErrorCode;
  /** What went wrong, for people. */
  message: string;
  /** The offending field for validation errors, e.g. `body.name` or `event.when`. */
  field?: string;
  /** The item, schedule or lease concerned. */
  id?: string;
  /** The queue of a stale lease. */
  queue?: string;
  /** Payload size and limit of a 413. */
  size?: number;
  /** Limit of a 413. */
  limit?: number;
}

const CODES: readonly ApiErrorCode[] = [
  'ERR_WRKR_VALIDATION',
  'ERR_WRKR_NOT_SUPPORTED',
  'ERR_WRKR_TIMEOUT',
  'ERR_WRKR_STALE_LEASE',
  'ERR_WRKR_CLOSED',
  'ERR_WRKR_NOT_STARTED',
  'ERR_WRKR_DUPLICATE_WORKER',
  'ERR_WRKR_NOT_FOUND',
  'ERR_WRKR_PAYLOAD_TOO_LARGE',
  'ERR_WRKR_CRYPTO',
  'ERR_WRKR_BACKEND',
  'ERR_WRKR_REMOTE',
  'ERR_WRKR_ABORTED',
  'ERR_WRKR_UNAUTHORIZED',
  'ERR_WRKR_UNSUPPORTED_MEDIA_TYPE',
  'ERR_WRKR_BAD_REQUEST',
  'ERR_WRKR_INTERNAL',
];

/** JSON schema of ApiError, registered once as `ApiError` and referenced by every route's error responses. */
export const apiErrorSchema = {
  $id: 'ApiError',
  title: 'ApiError',
  type: 'object',
  required: ['statusCode', 'error', 'code', 'message'],
  additionalProperties: false,
  properties: {
    statusCode: { type: 'integer', minimum: 400, maximum: 599 },
    error: { type: 'string' },
    code: { type: 'string', enum: CODES },
    message: { type: 'string' },
    field: { type: 'string' },
    id: { type: 'string' },
    queue: { type: 'string' },
    size: { type: 'integer' },
    limit: { type: 'integer' },
  },
} as const;

/** An ApiError body; `extra` carries field, id, queue, size or limit. */
export function apiError(statusCode: number, code: ApiErrorCode, message: string, extra: Partial<ApiError> = {}): ApiError {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message, ...extra };
}
