'use strict';
const { sleep } = require('../../../bench/measure');

/** Redis `used_memory` in bytes, read once no lazily freed (UNLINKed) objects are pending. */
async function usedMemory(redis) {
  for (;;) {
    const info = await redis.info('memory');
    if (Number(/lazyfree_pending_objects:(\d+)/.exec(info)?.[1] ?? 0) === 0) return Number(/used_memory:(\d+)/.exec(info)[1]);
    await sleep(50);
  }
}

module.exports = { usedMemory };
