'use strict';
// A fresh namespace per bench round, and its removal afterwards, for the redis bench scripts.
const { randomBytes } = require('node:crypto');
const { Redis } = require('ioredis');

/** A new namespace name with the given prefix. */
function namespace(prefix = 'bench') {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** Delete every key of namespace `ns` on the server at `url`. */
async function destroy(url, ns) {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${ns}}:*`, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) await redis.unlink(k);
  } while (cursor !== '0');
  redis.disconnect();
}

module.exports = { namespace, destroy };
