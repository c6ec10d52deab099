import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr } from '@wrkr/core';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createServer, listen, type AuthOptions } from '../src';

/** A server on the memory backend listening on a loopback port, with a raw HTTP caller. */
export interface Api {
  wrkr: Wrkr;
  app: FastifyInstance;
  base: string;
  /** Send `body` as is (a string) or as JSON; parses a JSON answer. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

// Real HTTP rather than fastify's inject: light-my-request's ESM-only dependency cannot load under jest on Node 20.
/** Start a server (on a fresh memory backend unless `wrkr` is given); `beforeListen` may add hooks. */
export async function startApi(options: { auth?: AuthOptions; logger?: FastifyBaseLogger; wrkr?: Wrkr; beforeListen?: (app: FastifyInstance) => unknown } = {}): Promise<Api> {
  const wrkr = options.wrkr ?? new Wrkr({ backend: new MemoryBackend(), worker: false });
  if (options.wrkr === undefined) await wrkr.start();
  const app = await createServer({ wrkr, ...(options.auth ? { auth: options.auth } : {}), ...(options.logger ? { logger: options.logger } : {}) });
  options.beforeListen?.(app);
  const base = await listen(app, { host: '127.0.0.1', port: 0 });
  return {
    wrkr,
    app,
    base,
    async call(method, path, body, headers = {}) {
      const res = await fetch(base + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async close() {
      await app.close();
      if (options.wrkr === undefined) await wrkr.stop({ timeout: 0 });
    },
  };
}

/** JSON schema check of an ApiError body, the shape of every 4xx and 5xx. */
export function expectApiError(body: unknown, status: number, code?: string): void {
  expect(body).toEqual(
    expect.objectContaining({ statusCode: status, error: expect.any(String), code: code ?? expect.stringMatching(/^ERR_WRKR_[A-Z_]+$/), message: expect.any(String) }),
  );
  const allowed = new Set(['statusCode', 'error', 'code', 'message', 'field', 'id', 'queue', 'size', 'limit']);
  expect(Object.keys(body as object).filter((k) => !allowed.has(k))).toEqual([]);
}
