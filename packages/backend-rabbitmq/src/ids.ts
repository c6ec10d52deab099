import { randomBytes, randomUUID } from 'node:crypto';

/** A new message id for messages that arrive without one (plain AMQP producers). */
export function newMessageId(): string {
  return randomUUID();
}

/** An unguessable random token (lease tokens, command ids, nonces). */
export function randomToken(): string {
  return randomBytes(12).toString('base64url');
}
