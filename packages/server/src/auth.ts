import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Credentials the API accepts: a bearer token, basic auth, or both. */
export interface AuthOptions {
  /** Accepted as `Authorization: Bearer <token>`. */
  token?: string;
  /** Accepted as `Authorization: Basic base64(user:password)`. */
  basic?: { user: string; password: string };
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
// Compare digests so neither length nor content leaks through timing.
const same = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

/** True when `auth` configures at least one credential. */
export function hasAuth(auth: AuthOptions | undefined): boolean {
  return auth !== undefined && (auth.token !== undefined || auth.basic !== undefined);
}

/** An onRequest hook answering 401 unless the request carries one of the configured credentials. */
export function authHook(auth: AuthOptions): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    const header = req.headers.authorization ?? '';
    const [scheme = '', value = ''] = header.split(' ', 2);
    if (auth.token !== undefined && scheme.toLowerCase() === 'bearer' && same(value, auth.token)) return;
    if (auth.basic !== undefined && scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      if (same(decoded, `${auth.basic.user}:${auth.basic.password}`)) return;
    }
    if (auth.basic !== undefined) void reply.header('www-authenticate', 'Basic realm="wrkr", charset="UTF-8"');
    await reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'missing or wrong credentials' });
  };
}
