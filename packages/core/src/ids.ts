import { randomFillSync } from 'node:crypto';

// ULID (https://github.com/ulid/spec): 10 Crockford base32 characters of epoch ms, then 16 of randomness.
// Made here rather than by the `ulid` package because an id is made for every event published: that
// package draws each random character from the OS on its own and builds the id a character at a time.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

// Randomness is drawn in blocks: one call to the OS per 256 fresh random parts.
const pool = new Uint8Array(RANDOM_CHARS * 256);
let poolAt = pool.length;
/** The random part of the last id, one base32 digit (0–31) per character. */
const digits = new Uint8Array(RANDOM_CHARS);
let lastTime = -1;
/** The character codes of the last id's time part. */
const time = new Uint8Array(TIME_CHARS);

/**
 * A new sortable unique id (ULID, monotonic within this process): within one millisecond, or when the
 * clock steps back, the random part of the last id is incremented, as the spec's monotonic generator does.
 */
export function newId(): string {
  const now = Date.now();
  if (now > lastTime) fresh(now);
  else if (!increment()) fresh(lastTime + 1); // the random part ran out within one ms: on to the next
  // One flat string (a concatenation would be a two-piece string that every Map lookup of the id flattens).
  return String.fromCharCode(
    time[0]!, time[1]!, time[2]!, time[3]!, time[4]!, time[5]!, time[6]!, time[7]!, time[8]!, time[9]!,
    CODES[digits[0]!]!, CODES[digits[1]!]!, CODES[digits[2]!]!, CODES[digits[3]!]!,
    CODES[digits[4]!]!, CODES[digits[5]!]!, CODES[digits[6]!]!, CODES[digits[7]!]!,
    CODES[digits[8]!]!, CODES[digits[9]!]!, CODES[digits[10]!]!, CODES[digits[11]!]!,
    CODES[digits[12]!]!, CODES[digits[13]!]!, CODES[digits[14]!]!, CODES[digits[15]!]!,
  );
}

function fresh(ms: number): void {
  lastTime = ms;
  for (let i = TIME_CHARS - 1, t = ms; i >= 0; i--, t = Math.floor(t / 32)) time[i] = CODES[t % 32]!;
  if (poolAt + RANDOM_CHARS > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  // 256 is a multiple of 32, so each digit is uniform.
  for (let i = 0; i < RANDOM_CHARS; i++) digits[i] = pool[poolAt + i]! & 31;
  poolAt += RANDOM_CHARS;
}

/** Add one to the random part; false when it overflows. */
function increment(): boolean {
  for (let i = RANDOM_CHARS - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i]!++;
      return true;
    }
    digits[i] = 0;
  }
  return false;
}
