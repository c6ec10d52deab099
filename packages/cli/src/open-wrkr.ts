import { Wrkr, type Logger, type WrkrOptions } from '@wrkr/core';
import { backendFromUrl } from './backend-url';
import type { WrkrConfig } from './config';

/** Create and start a Wrkr on the configured backend. */
export async function openWrkr(config: WrkrConfig, options: Pick<WrkrOptions, 'worker' | 'scheduler'> & { logger?: Logger }): Promise<Wrkr> {
  const backend = backendFromUrl(config.backend, {
    ...(config.namespace !== undefined ? { namespace: config.namespace } : {}),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  const wrkr = new Wrkr({ backend, ...options });
  await wrkr.start();
  return wrkr;
}
