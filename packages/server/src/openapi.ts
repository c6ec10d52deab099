import type { SwaggerOptions } from '@fastify/swagger';
import type { AuthOptions } from './auth';

const TAGS = [
  { name: 'events', description: 'Publish to bound queues, or send straight to one queue' },
  { name: 'queues', description: 'Queues with their counts and bindings' },
  { name: 'failed', description: 'Items that used up their retries: list, replay, purge' },
  { name: 'jobs', description: 'Jobs of a queue in any state: a page of one state, or one by id' },
  { name: 'pending', description: 'Delayed publishes not yet routed: list, cancel' },
  { name: 'schedules', description: 'Recurring schedules: upsert, trigger, pause, resume, delete' },
  { name: 'workers', description: 'Live worker processes' },
  { name: 'monitoring', description: 'Prometheus metrics' },
  { name: 'pull', description: 'Pull API for workers in any language: fetch under a lease, then ack, nack or extend' },
];

/**
 * The @fastify/swagger options for this server: the security it really applies (bearer, basic, both or
 * none), tags, licence, a relative server URL, and schemas named by their `$id` (`ApiError`).
 */
export function openApiDocument(auth: AuthOptions | undefined): SwaggerOptions {
  const schemes: Record<string, { type: 'http'; scheme: string; description: string }> = {};
  if (auth?.token !== undefined) schemes.bearer = { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <token>' };
  if (auth?.basic !== undefined) schemes.basic = { type: 'http', scheme: 'basic', description: 'Authorization: Basic base64(user:password)' };
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'wrkr API',
        version: '0.1.0',
        description: 'Publish events, manage schedules and failed items, and pull work over HTTP.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'this server' }],
      tags: TAGS,
      components: { securitySchemes: schemes },
      // Either credential is accepted; an open server (loopback only) says so with an empty requirement.
      security: Object.keys(schemes).length === 0 ? [] : Object.keys(schemes).map((name) => ({ [name]: [] })),
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  };
}
