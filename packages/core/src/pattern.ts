/**
 * AMQP topic matching: words separated by `.`, `*` is exactly one word, `#` is zero or more words.
 * Each pattern word compiles to a fragment that carries its own leading dot and is matched against
 * `.` + name, so `#` matching zero words leaves no stray separator. Compiled once per pattern because
 * routing runs on every publish.
 */
const cache = new Map<string, RegExp>();
const MAX_CACHED = 10_000;

/** Compile a topic pattern into an anchored RegExp over `'.' + name`. */
export function compilePattern(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  const src = pattern
    .split('.')
    .map((w) => (w === '#' ? '(?:\\.[^.]+)*' : w === '*' ? '\\.[^.]+' : `\\.${w.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}`))
    .join('');
  re = new RegExp(`^${src}$`);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** True when the event name matches the topic pattern. */
export function matchPattern(pattern: string, name: string): boolean {
  return compilePattern(pattern).test(`.${name}`);
}
