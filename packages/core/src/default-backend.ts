import type { Backend } from './contract';
import { WrkrError } from './errors';

const MEMORY_PACKAGE = '@wrkr/backend-memory';

/** True when `err` is Node's MODULE_NOT_FOUND for `name` itself (not for something `name` requires). */
function isMissing(err: unknown, name: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'MODULE_NOT_FOUND' && (err as Error).message.split('\n', 1)[0] === `Cannot find module '${name}'`;
}

/**
 * The embedded default: a MemoryBackend, loaded lazily because @wrkr/backend-memory itself depends on
 * core (a static import would be a package cycle).
 */
export function defaultBackend(): Backend {
  let mod: { MemoryBackend: new () => Backend };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(MEMORY_PACKAGE) as typeof mod;
  } catch (cause) {
    // Only the package itself missing means "not installed"; a failure inside it (a missing dependency of
    // its own, a syntax error) is a real error and must surface as itself.
    if (!isMissing(cause, MEMORY_PACKAGE)) throw cause;
    throw new WrkrError('ERR_WRKR_NOT_SUPPORTED', `no backend given and ${MEMORY_PACKAGE} is not installed: npm install ${MEMORY_PACKAGE}, or pass options.backend`, undefined, { cause });
  }
  return new mod.MemoryBackend();
}
