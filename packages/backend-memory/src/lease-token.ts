import { randomFillSync } from 'node:crypto';

const TOKEN_BYTES = 16;
// Randomness is drawn in blocks: one call to the OS per 256 tokens.
const pool = Buffer.alloc(TOKEN_BYTES * 256);
let poolAt = pool.length;

/**
 * A fresh lease token: 128 random bits as one flat string. Unguessable like a UUID (tokens reach remote
 * workers through the server's pull API), at a fraction of randomUUID's cost, which builds its text from
 * some twenty pieces on every lease.
 */
export function newLeaseToken(): string {
  if (poolAt + TOKEN_BYTES > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const token = pool.toString('base64url', poolAt, poolAt + TOKEN_BYTES);
  poolAt += TOKEN_BYTES;
  return token;
}
