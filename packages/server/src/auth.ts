import { createHash, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '@wrkr/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from './api-error';

/** Credentials the API accepts: a bearer token, basic auth, or both. */
export interface AuthOptions {
  /** Accepted as `Authorization: Bearer <token>`; must not be empty. */
  token?: string;
  /** Accepted as `Authorization: Basic base64(user:password)`; neither may be empty, the user holds no `:`. */
  basic?: { user: string; password: string };
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
// Compare digests so neither length nor content leaks through timing.
const same = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

const nonEmpty = (value: unknown, field: string): void => {
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(field, 'must be a non-empty string (an empty credential would let anyone in)');
};

/**
 * Check `auth` and tell whether it configures a credential. An empty token, user or password is refused
 * rather than ignored, so `token: process.env.WRKR_TOKEN` with the variable set but empty never opens the API;
 * a token left `undefined` counts as not configured.
 */
export function checkAuth(auth: AuthOptions | undefined): boolean {
  if (auth === undefined) return false;
  if (typeof auth !== 'object' || auth === null) throw new ValidationError('auth', 'must be { token?, basic? }');
  const { token, basic } = auth;
  if (token !== undefined) nonEmpty(token, 'auth.token');
  if (basic !== undefined) {
    if (typeof basic !== 'object' || basic === null) throw new ValidationError('auth.basic', 'must be { user, password }');
    nonEmpty(basic.user, 'auth.basic.user');
    nonEmpty(basic.password, 'auth.basic.password');
    if (basic.user.includes(':')) throw new ValidationError('auth.basic.user', "must not contain ':' (basic auth could not tell user from password)");
  }
  return token !== undefined || basic !== undefined;
}

const securedApps = new WeakSet<object>();

/** Remember that `app` checks credentials on `/api`. */
export function markSecured(app: object): void {
  securedApps.add(app);
}

/** True when `app` was built by createServer with credentials. */
export function isSecured(app: object): boolean {
  return securedApps.has(app);
}

/** An onRequest hook answering 401 unless the request carries one of the configured credentials. */
export function authHook(auth: AuthOptions): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    const header = req.headers.authorization ?? '';
    const [scheme = '', value = ''] = header.split(' ', 2);
    if (value !== '') {
      if (auth.token !== undefined && scheme.toLowerCase() === 'bearer' && same(value, auth.token)) return;
      if (auth.basic !== undefined && scheme.toLowerCase() === 'basic') {
        const decoded = Buffer.from(value, 'base64').toString('utf8');
        if (same(decoded, `${auth.basic.user}:${auth.basic.password}`)) return;
      }
    }
    if (auth.basic !== undefined) void reply.header('www-authenticate', 'Basic realm="wrkr", charset="UTF-8"');
    await reply.code(401).send(apiError(401, 'ERR_WRKR_UNAUTHORIZED', 'missing or wrong credentials'));
  };
}
