import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Message } from '@wrkr/core/backend';
import { RedisBackend, type RedisBackendOptions } from '../src';

/** URL of the Redis server the tests use. */
export const REDIS_URL = process.env.WRKR_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** A namespace no other test run uses. */
export function uniqueNamespace(): string {
  return `test_${randomBytes(5).toString('hex')}`;
}

/** A started backend on a fresh namespace (unless given). */
export async function startBackend(options: RedisBackendOptions = {}): Promise<RedisBackend> {
  const backend = new RedisBackend({ url: REDIS_URL, namespace: uniqueNamespace(), ...options });
  await backend.start();
  return backend;
}

/** Delete every key of a namespace. */
export async function destroyNamespace(namespace: string, url = REDIS_URL): Promise<void> {
  const admin = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `{${namespace}}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await admin.del(...keys);
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}

/** Kill every server-side connection a backend on `namespace` opened (they are named `wrkr:<ns>:…`). */
export async function killConnections(namespace: string, url = REDIS_URL): Promise<number> {
  const admin = new Redis(url);
  try {
    const list = await admin.client('LIST');
    const ids = String(list)
      .split('\n')
      .filter((line) => line.includes(` name=wrkr:${namespace}:`))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    for (const id of ids) await admin.client('KILL', 'ID', id);
    return ids.length;
  } finally {
    admin.disconnect();
  }
}

let seq = 0;
/** A small message with a unique id. */
export function message(name: string, extra: Partial<Message> = {}): Message {
  return { id: `m${Date.now()}_${++seq}_${randomBytes(3).toString('hex')}`, name, publishedAt: Date.now(), ...extra };
}

/** Resolve after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
