import type { Backend } from './contract';
import { WrkrError } from './errors';

/**
 * The embedded default: a MemoryBackend, loaded lazily because @wrkr/backend-memory itself depends on
 * core (a static import would be a package cycle).
 */
export function defaultBackend(): Backend {
  let mod: { MemoryBackend: new () => Backend };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('@wrkr/backend-memory') as typeof mod;
  } catch (cause) {
    throw new WrkrError('ERR_WRKR_NOT_SUPPORTED', 'no backend given and @wrkr/backend-memory is not installed: npm install @wrkr/backend-memory, or pass options.backend', undefined, { cause });
  }
  return new mod.MemoryBackend();
}
