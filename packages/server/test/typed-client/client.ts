// A client written against the types openapi-typescript generates from /openapi.json (./api is generated
// by the test). If a route's request or answer were untyped, this file would not type-check.
import type { components, paths } from './api';

type Body<P extends keyof paths, M extends 'post' | 'put'> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Ok<P extends keyof paths, M extends 'get' | 'post' | 'put' | 'delete'> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer R } } } } ? R : never;
type ApiError = components['schemas']['ApiError'];

async function call<R>(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: R }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as R };
}

/** Publish, list queues, fetch and ack (by lease, and by worker after a sticky re-fetch) through the typed paths; returns what a caller would show. */
export async function run(
  base: string,
  token: string,
): Promise<{ id: string; ready: number; name: string; attempt: number; acked: boolean; stickyAttempt: number; stickyAcked: boolean; errorCode: ApiError['code']; errorField: string | undefined }> {
  const event: Body<'/api/queues/{queue}/send', 'post'> = { name: 'typed.client', data: { n: 1 }, headers: { k: 'v' } };
  // @ts-expect-error the generated request type refuses a number as the event name
  const wrong: Body<'/api/publish', 'post'> = { name: 123 };
  const sent = await call<Ok<'/api/queues/{queue}/send', 'post'>>(base, token, 'POST', '/api/queues/typed/send', event);
  const queues = await call<Ok<'/api/queues', 'get'>>(base, token, 'GET', '/api/queues');
  const fetched = await call<Ok<'/api/queues/{queue}/fetch', 'post'>>(base, token, 'POST', '/api/queues/typed/fetch', { visibilityTimeout: '10s' });
  const item = fetched.body.item;
  if (item === null) throw new Error('nothing fetched');
  const lease: Body<'/api/ack', 'post'> = { queue: item.queue, id: item.id, token: item.token };
  const acked = await call<Ok<'/api/ack', 'post'>>(base, token, 'POST', '/api/ack', lease);
  await call<Ok<'/api/queues/{queue}/send', 'post'>>(base, token, 'POST', '/api/queues/typed/send', event);
  const asWorker: Body<'/api/queues/{queue}/fetch', 'post'> = { worker: 'typed-worker', visibilityTimeout: '10s' };
  await call<Ok<'/api/queues/{queue}/fetch', 'post'>>(base, token, 'POST', '/api/queues/typed/fetch', asWorker);
  const again = await call<Ok<'/api/queues/{queue}/fetch', 'post'>>(base, token, 'POST', '/api/queues/typed/fetch', asWorker);
  const byWorker: Body<'/api/queues/{queue}/ack', 'post'> = { worker: 'typed-worker' };
  const stickyAcked = await call<Ok<'/api/queues/{queue}/ack', 'post'>>(base, token, 'POST', '/api/queues/typed/ack', byWorker);
  const refused = await call<ApiError>(base, token, 'POST', '/api/publish', wrong);
  return {
    id: sent.body.id,
    ready: queues.body.find((q) => q.queue === 'typed')?.ready ?? -1,
    name: item.event.name,
    attempt: item.attempt,
    acked: acked.body.ok,
    stickyAttempt: again.body.item?.attempt ?? -1,
    stickyAcked: stickyAcked.body.ok,
    errorCode: refused.body.code,
    errorField: refused.body.field,
  };
}
