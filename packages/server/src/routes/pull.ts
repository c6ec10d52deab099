import { parseDuration, ValidationError, type Duration, type LeaseRef, type PulledItem, type Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { operation } from '../route-schema';
import { ackBody, ackByWorkerBody, extendBody, extendReply, fetchBody, fetchReply, nackBody, nackByWorkerBody, okReply, queueParams } from '../schemas';

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

/** What a nack body says beside the lease. */
interface NackParts {
  delay?: Duration;
  fail?: boolean;
  error?: { message: string; name?: string; stack?: string };
}

/** The options of `wrkr.nack` a nack body asks for; the error keeps the name and stack the worker sent. */
function nackOptions({ delay, fail, error }: NackParts): { delay?: Duration; fail?: boolean; error?: Error } {
  const err = error === undefined ? undefined : Object.assign(new Error(error.message), { name: error.name ?? 'Error', stack: error.stack ?? `${error.name ?? 'Error'}: ${error.message}` });
  return { ...(delay !== undefined ? { delay } : {}), ...(fail !== undefined ? { fail } : {}), ...(err !== undefined ? { error: err } : {}) };
}

/**
 * The pull API for workers in any language: fetch an item under a lease, then ack, nack (retry or fail)
 * or extend it by passing back `{ queue, id, token }`; or, fetching as a `worker` (sticky pull), ack or
 * nack the item that worker holds by its id alone.
 */
export function pullRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.post<{ Params: { queue: string }; Body: { visibilityTimeout?: Duration; wait?: Duration; worker?: string } | null }>(
    '/api/queues/:queue/fetch',
    {
      schema: operation(
        'fetchItem',
        'pull',
        'Take one item under a lease; `item` is null when none arrived within `wait` (at most 60 s; the lease at most 12 h). With `worker`, the item that worker still holds comes back first',
        { params: queueParams, body: fetchBody },
        fetchReply,
        'The leased item, or null',
      ),
    },
    async (req, reply) => {
      const visibilityTimeout = capped(req.body?.visibilityTimeout, 'body.visibilityTimeout', MAX_LEASE_MS, '12 hours');
      const wait = capped(req.body?.wait, 'body.wait', MAX_FETCH_WAIT_MS, '60 seconds');
      const worker = req.body?.worker;
      // A client that hangs up stops the claim: nothing is leased for a request nobody reads. One that hangs
      // up after the claim, before the answer is written, gets its item given back (retry now) — unless it
      // fetched as a worker: then the item stays that worker's, and its next fetch gets it back.
      const gone = new AbortController();
      const handed: { item?: PulledItem } = {};
      reply.raw.once('close', () => {
        if (reply.raw.writableFinished) return;
        gone.abort();
        if (handed.item !== undefined && worker === undefined) {
          wrkr.nack(handed.item, { delay: 0, error: 'the HTTP client disconnected before the item reached it' }).catch((err: unknown) => req.log.warn({ err }, 'giving back an undelivered item failed; its lease will expire'));
        }
      });
      const item = await wrkr.fetch(req.params.queue, {
        ...(visibilityTimeout !== undefined ? { visibilityTimeout } : {}),
        ...(wait !== undefined ? { wait } : {}),
        ...(worker !== undefined ? { worker } : {}),
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
  app.post<{ Body: LeaseRef & NackParts }>(
    '/api/nack',
    { schema: operation('nackItem', 'pull', 'Give a fetched item back: retried after `delay`, or failed with `fail: true`', { body: nackBody }, okReply, 'Given back') },
    async (req) => {
      await wrkr.nack({ queue: req.body.queue, id: req.body.id, token: req.body.token }, nackOptions(req.body));
      return { ok: true };
    },
  );
  app.post<{ Params: { queue: string }; Body: { worker: string } }>(
    '/api/queues/:queue/ack',
    {
      schema: operation(
        'ackHeldItem',
        'pull',
        'Acknowledge the item `worker` holds in the queue, fetched with that `worker` (409 when it holds none any more)',
        { params: queueParams, body: ackByWorkerBody },
        okReply,
        'Removed from the queue',
      ),
    },
    async (req) => {
      await wrkr.ack(req.params.queue, { worker: req.body.worker });
      return { ok: true };
    },
  );
  app.post<{ Params: { queue: string }; Body: { worker: string } & NackParts }>(
    '/api/queues/:queue/nack',
    {
      schema: operation(
        'nackHeldItem',
        'pull',
        'Give back the item `worker` holds in the queue: retried after `delay`, or failed with `fail: true` (409 when it holds none any more)',
        { params: queueParams, body: nackByWorkerBody },
        okReply,
        'Given back',
      ),
    },
    async (req) => {
      await wrkr.nack(req.params.queue, { worker: req.body.worker, ...nackOptions(req.body) });
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
