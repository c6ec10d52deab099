import type { FastifySchema } from 'fastify';

/** What one API operation takes: path parameters, query string and body schemas. */
export interface OperationParts {
  /** Path parameters. */
  params?: object;
  /** Query string; integer properties are parsed from their decimal text (see query-integers). */
  querystring?: object;
  /** JSON body. */
  body?: object;
}

/**
 * The fastify schema of one API operation: its OpenAPI id, tag and summary, its inputs, the typed 200
 * answer and the ApiError body on every 4xx and 5xx.
 */
export function operation(operationId: string, tag: string, summary: string, parts: OperationParts, ok: object, okDescription: string): FastifySchema {
  return {
    operationId,
    tags: [tag],
    summary,
    ...parts,
    response: {
      200: { description: okDescription, ...ok },
      '4xx': { description: 'Refused: bad input (400, names the field), credentials (401), not found (404), lost lease (409), too large (413)', $ref: 'ApiError#' },
      '5xx': { description: 'Server or backend failure', $ref: 'ApiError#' },
    },
  };
}
