import { isIP } from 'node:net';
import { ValidationError } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { checkAuth, isSecured, type AuthOptions } from './auth';

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Listen on `host:port`, refusing any non-loopback host unless the app was created with credentials;
 * resolves with the URL. `auth` is checked too (empty credentials are refused), but what counts is what the
 * app itself enforces.
 */
export async function listen(app: FastifyInstance, options: { host: string; port: number; auth?: AuthOptions }): Promise<string> {
  checkAuth(options.auth);
  if (!isSecured(app) && !isLoopback(options.host)) {
    throw new ValidationError('host', `refusing to listen on ${options.host} without auth: set a bearer token or basic auth, or listen on 127.0.0.1`);
  }
  return app.listen({ host: options.host, port: options.port });
}
