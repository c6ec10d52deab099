import { ALL_CAPABILITIES, type Backend, type BackendCapabilities } from '@wrkr/core/backend';
import type { ConformanceOptions } from './options';

/** A capability flag of the Backend contract. */
export type Capability = keyof BackendCapabilities;

/** Something a test needs: a capability the backend must declare, or a hook the options must give. */
export type Need = Capability | 'restartService' | 'interruptConnections';

/** Every capability flag, in contract order. */
export const CAPABILITIES = Object.keys(ALL_CAPABILITIES) as readonly Capability[];

/**
 * What the suite knows at registration time. Capabilities are read from a probe backend that is
 * constructed but never started; when `createBackend` is async (or throws before the services are
 * up) they are unknown until a test creates a backend.
 */
export interface Probe {
  /** The probe's capabilities, when createBackend returned a backend synchronously. */
  readonly capabilities?: BackendCapabilities;
}

const probes = new WeakMap<ConformanceOptions, Probe>();

/** Probe the backend's capabilities once per options object. */
export function probe(options: ConformanceOptions): Probe {
  let found = probes.get(options);
  if (found) return found;
  found = {};
  try {
    const created = options.createBackend({ namespace: 'wrkr_conformance_probe' });
    if (isPromise(created)) {
      created.then((b) => closeQuietly(b), () => undefined);
    } else {
      found = { capabilities: { ...created.capabilities } };
      closeQuietly(created);
    }
  } catch {
    // A factory that needs services resolved in a beforeAll may throw here; tests then check at run time.
  }
  probes.set(options, found);
  return found;
}

/** Why a test cannot run, or undefined when it can (or when it cannot be known yet). */
export function unmetNeed(needs: readonly Need[], options: ConformanceOptions, capabilities: BackendCapabilities | undefined): string | undefined {
  for (const need of needs) {
    if (need === 'restartService' || need === 'interruptConnections') {
      if (options[need] === undefined) return `no ${need} hook given`;
    } else if (capabilities !== undefined && capabilities[need] !== true) {
      return `backend declares capabilities.${need} = false`;
    }
  }
  return undefined;
}

function isPromise(value: Backend | Promise<Backend>): value is Promise<Backend> {
  return typeof (value as Promise<Backend>).then === 'function';
}

function closeQuietly(backend: Backend): void {
  // The probe was never started; closing it only releases anything its constructor allocated.
  Promise.resolve()
    .then(() => backend.close())
    .catch(() => undefined);
}
