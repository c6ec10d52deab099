import { randomBytes } from 'node:crypto';
import { BACKEND_CONTRACT_VERSION, type Backend } from '@wrkr/core/backend';
import { unmetNeed, type Need } from './capabilities';
import type { ConformanceOptions, TestApi } from './options';

/** A fresh namespace name: unique per test so runs never see each other's data. */
export function uniqueNamespace(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/**
 * Per-test backend bookkeeping for one describe block: a fresh namespace before each test, and every
 * client a test created closed (then its namespaces destroyed) after it, whatever the outcome.
 */
export class Harness {
  #ns = '';
  #clients: Backend[] = [];
  #namespaces = new Set<string>();
  /** What the running test needs; checked against each created client when unknown at registration. */
  needs: readonly Need[] = [];

  constructor(private readonly options: ConformanceOptions, api: TestApi) {
    api.beforeEach(() => {
      this.#ns = this.newNamespace();
    });
    api.afterEach(() => this.#cleanUp());
  }

  /** The test's primary namespace. */
  get ns(): string {
    return this.#ns;
  }

  /** Another namespace on the same server, cleaned up after the test. */
  newNamespace(): string {
    const ns = uniqueNamespace();
    this.#namespaces.add(ns);
    return ns;
  }

  /** A new, started client on the same server (primary namespace unless given); closed after the test. */
  async client(namespace: string = this.#ns): Promise<Backend> {
    const backend = await this.options.createBackend({ namespace });
    this.#clients.push(backend);
    if (backend.contractVersion !== BACKEND_CONTRACT_VERSION) {
      throw new Error(`backend ${backend.name} implements contract version ${backend.contractVersion}, this suite checks version ${BACKEND_CONTRACT_VERSION}`);
    }
    const unmet = unmetNeed(this.needs, this.options, backend.capabilities);
    if (unmet !== undefined) {
      throw new Error(`this test needs what the backend lacks (${unmet}); return the backend synchronously from createBackend so the suite can skip it at registration`);
    }
    await backend.start();
    return backend;
  }

  /** Several started clients on the primary namespace. */
  async clients(count: number): Promise<Backend[]> {
    const out: Backend[] = [];
    for (let i = 0; i < count; i++) out.push(await this.client());
    return out;
  }

  async #cleanUp(): Promise<void> {
    const clients = this.#clients;
    const namespaces = [...this.#namespaces];
    this.#clients = [];
    this.#namespaces.clear();
    this.needs = [];
    const closed = await Promise.allSettled(clients.map((c) => c.close()));
    const destroy = this.options.destroyBackend?.bind(this.options);
    const destroyed = destroy ? await Promise.allSettled(namespaces.map((namespace) => destroy({ namespace }))) : [];
    const failure = [...closed, ...destroyed].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }
}
