import type { Backend } from '@wrkr/core/backend';

/** A test body; may be async. */
export type TestBody = () => unknown;

/** Registers one test (jest's `it`, mocha's `it`, node:test's `it`, …). */
export type ItFn = (name: string, fn: TestBody, timeoutMs?: number) => void;

/** Registers one hook. */
export type HookFn = (fn: TestBody, timeoutMs?: number) => void;

/**
 * The test runner's registration functions, injected so the suite runs under any runner. `it.skip` is
 * used (when present) to register tests the backend cannot run, with the reason in the title.
 */
export interface TestApi {
  /** Group tests. */
  describe(name: string, fn: () => void): void;
  /** Register a test; `it.skip`, when the runner has it, registers a skipped one. */
  it: ItFn & { skip?: ItFn };
  /** Run once before the tests of the enclosing describe. */
  beforeAll: HookFn;
  /** Run once after the tests of the enclosing describe. */
  afterAll: HookFn;
  /** Run before each test of the enclosing describe. */
  beforeEach: HookFn;
  /** Run after each test of the enclosing describe. */
  afterEach: HookFn;
}

/** Timing knobs, so slower (networked) backends can widen tolerances without weakening the checks. */
export interface ConformanceTiming {
  /** How late (ms) after its due time an item may be delivered. Default 100. */
  dueToleranceMs?: number;
  /** Lease length (ms) used by lease-expiry tests; short keeps the suite fast. Default 400. */
  leaseMs?: number;
  /** How long (ms) the suite watches to confirm that something does NOT happen. Default 100. */
  settleMs?: number;
  /** How long (ms) the suite waits without progress before declaring an expected delivery lost. Default 5000. */
  patienceMs?: number;
  /** Timeout (ms) of each test. Default 60000. */
  testTimeoutMs?: number;
}

/** How to run the conformance suite against one backend. */
export interface ConformanceOptions {
  /** Shown in describe titles. */
  name: string;
  /** A new client on the same server each call; the suite calls `start()` and `close()`. */
  createBackend(ctx: { namespace: string }): Backend | Promise<Backend>;
  /** Optional cleanup of a namespace's data, called after each test for every namespace it used. */
  destroyBackend?(ctx: { namespace: string }): Promise<void>;
  /** Timing knobs. */
  timing?: ConformanceTiming;
  /** Restart the server; enables the server-restart persistence test. */
  restartService?(): Promise<void>;
  /** Make the server kill this client's connections; enables the connection-loss group. */
  interruptConnections?(backend: Backend): Promise<void>;
}

/** Timing with every default applied. */
export type ResolvedTiming = Required<ConformanceTiming>;

/** Apply the timing defaults. */
export function resolveTiming(timing: ConformanceTiming = {}): ResolvedTiming {
  return {
    dueToleranceMs: timing.dueToleranceMs ?? 100,
    leaseMs: timing.leaseMs ?? 400,
    settleMs: timing.settleMs ?? 100,
    patienceMs: timing.patienceMs ?? 5000,
    testTimeoutMs: timing.testTimeoutMs ?? 60_000,
  };
}
