import type { Duration, LeaseRef, Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { ackBody, extendBody, fetchBody, nackBody, queueParams } from '../schemas';

/**
 * The pull API for workers in any language: fetch an item under a lease, then ack, nack (retry or fail)
 * or extend it by passing back `{ queue, id, token }`.
 */
export function pullRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.post<{ Params: { queue: string }; Body: { visibilityTimeout?: Duration; wait?: Duration } | null }>(
    '/api/queues/:queue/fetch',
    { schema: { tags: ['pull'], summary: 'Take one item under a lease; `item` is null when none arrived within `wait`', params: queueParams, body: fetchBody } },
    async (req) => {
      const item = await wrkr.fetch(req.params.queue, { ...req.body });
      if (!item) return { item: null };
      const { event } = item;
      return {
        item: {
          queue: item.queue,
          id: event.id,
          token: item.token,
          attempt: item.attempt,
          leaseUntil: item.leaseUntil.toISOString(),
          event: { ...event, publishedAt: event.publishedAt.toISOString() },
        },
      };
    },
  );
  app.post<{ Body: LeaseRef }>('/api/ack', { schema: { tags: ['pull'], summary: 'Acknowledge a fetched item (409 when the lease was lost)', body: ackBody } }, async (req) => {
    await wrkr.ack(req.body);
    return { ok: true };
  });
  app.post<{ Body: LeaseRef & { delay?: Duration; fail?: boolean; error?: { message: string; name?: string; stack?: string } } }>(
    '/api/nack',
    { schema: { tags: ['pull'], summary: 'Give a fetched item back: retried after `delay`, or failed with `fail: true`', body: nackBody } },
    async (req) => {
      const { delay, fail, error } = req.body;
      const err = error === undefined ? undefined : Object.assign(new Error(error.message), { name: error.name ?? 'Error', stack: error.stack ?? `${error.name ?? 'Error'}: ${error.message}` });
      await wrkr.nack(req.body, { ...(delay !== undefined ? { delay } : {}), ...(fail !== undefined ? { fail } : {}), ...(err !== undefined ? { error: err } : {}) });
      return { ok: true };
    },
  );
  app.post<{ Body: LeaseRef & { duration: Duration } }>(
    '/api/extend',
    { schema: { tags: ['pull'], summary: "Extend a fetched item's lease to `duration` from now", body: extendBody } },
    async (req) => ({ leaseUntil: (await wrkr.extend(req.body, req.body.duration)).toISOString() }),
  );
}
