import { parseDuration, ValidationError, type Duration, type LeaseRef, type PulledItem, type Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { operation } from '../route-schema';
import { ackBody, extendBody, extendReply, fetchBody, fetchReply, nackBody, okReply, queueParams } from '../schemas';

/** Longest `wait` of a long-polling fetch over HTTP: beyond it proxies and clients time out anyway. */
export const MAX_FETCH_WAIT_MS = 60_000;
/** Longest lease (`visibilityTimeout`, `duration` of an extend) handed out over HTTP: 12 hours. */
export const MAX_LEASE_MS = 12 * 3_600_000;

function capped(value: Duration | undefined, field: string, maxMs: number, maxText: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value, field);
  if (ms > maxMs) throw new ValidationError(field, `must be at most ${maxText}`);
  return ms;
}

/**
 * The pull API for workers in any language: fetch an item under a lease, then ack, nack (retry or fail)
 * or extend it by passing back `{ queue, id, token }`.
 */
export function pullRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.post<{ Params: { queue: string }; Body: { visibilityTimeout?: Duration; wait?: Duration } | null }>(
    '/api/queues/:queue/fetch',
    {
      schema: operation(
        'fetchItem',
        'pull',
        'Take one item under a lease; `item` is null when none arrived within `wait` (at most 60 s; the lease at most 12 h)',
        { params: queueParams, body: fetchBody },
        fetchReply,
        'The leased item, or null',
      ),
    },
    async (req, reply) => {
      const visibilityTimeout = capped(req.body?.visibilityTimeout, 'body.visibilityTimeout', MAX_LEASE_MS, '12 hours');
      const wait = capped(req.body?.wait, 'body.wait', MAX_FETCH_WAIT_MS, '60 seconds');
      // A client that hangs up stops the claim: nothing is leased for a request nobody reads. One that hangs
      // up after the claim, before the answer is written, gets its item given back (retry now).
      const gone = new AbortController();
      const handed: { item?: PulledItem } = {};
      reply.raw.once('close', () => {
        if (reply.raw.writableFinished) return;
        gone.abort();
        if (handed.item !== undefined) {
          wrkr.nack(handed.item, { delay: 0, error: 'the HTTP client disconnected before the item reached it' }).catch((err: unknown) => req.log.warn({ err }, 'giving back an undelivered item failed; its lease will expire'));
        }
      });
      const item = await wrkr.fetch(req.params.queue, {
        ...(visibilityTimeout !== undefined ? { visibilityTimeout } : {}),
        ...(wait !== undefined ? { wait } : {}),
        signal: gone.signal,
      });
      if (!item) return { item: null };
      handed.item = item;
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
  app.post<{ Body: LeaseRef & { result?: unknown; keepCompleted?: { count: number; age: Duration } } }>(
    '/api/ack',
    { schema: operation('ackItem', 'pull', 'Acknowledge a fetched item (409 when the lease was lost); with keepCompleted it is kept as completed, with result', { body: ackBody }, okReply, 'Removed from the queue, or kept as completed') },
    async (req) => {
      const { result, keepCompleted, ...lease } = req.body;
      await wrkr.ack(lease, { ...(result !== undefined && { result }), ...(keepCompleted !== undefined && { keepCompleted }) });
      return { ok: true };
    },
  );
  app.post<{ Body: LeaseRef & { delay?: Duration; fail?: boolean; error?: { message: string; name?: string; stack?: string } } }>(
    '/api/nack',
    { schema: operation('nackItem', 'pull', 'Give a fetched item back: retried after `delay`, or failed with `fail: true`', { body: nackBody }, okReply, 'Given back') },
    async (req) => {
      const { delay, fail, error } = req.body;
      const err = error === undefined ? undefined : Object.assign(new Error(error.message), { name: error.name ?? 'Error', stack: error.stack ?? `${error.name ?? 'Error'}: ${error.message}` });
      await wrkr.nack(req.body, { ...(delay !== undefined ? { delay } : {}), ...(fail !== undefined ? { fail } : {}), ...(err !== undefined ? { error: err } : {}) });
      return { ok: true };
    },
  );
  app.post<{ Body: LeaseRef & { duration: Duration } }>(
    '/api/extend',
    { schema: operation('extendLease', 'pull', "Extend a fetched item's lease to `duration` from now (at most 12 h)", { body: extendBody }, extendReply, 'The new end of the lease') },
    async (req) => {
      const ms = capped(req.body.duration, 'body.duration', MAX_LEASE_MS, '12 hours')!;
      return { leaseUntil: (await wrkr.extend(req.body, ms)).toISOString() };
    },
  );
}
