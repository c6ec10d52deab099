import { randomUUID } from 'node:crypto';
import type { Backend } from './contract';
import { DuplicateWorkerError } from './errors';
import type { Logger } from './logger';

/**
 * Holds this process's worker id in the backend's registry: registers on start (refused when another
 * live process holds the id), heartbeats at `intervalMs` with a TTL of three intervals, unregisters on stop.
 */
export class WorkerRegistration {
  private readonly instance = randomUUID();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly backend: Backend,
    readonly id: string,
    private readonly intervalMs: number,
    private readonly meta: () => Record<string, unknown>,
    private readonly log: Logger,
  ) {}

  private get ttlMs(): number {
    return this.intervalMs * 3;
  }

  /** Register and begin heartbeats; throws DuplicateWorkerError when the id is taken. */
  async start(): Promise<void> {
    if (!(await this.backend.registerWorker(this.id, this.instance, this.meta(), this.ttlMs))) throw new DuplicateWorkerError(this.id);
    this.arm();
  }

  /** Heartbeat now, so a change of meta (a new subscription) shows in `workers()` at once. */
  refresh(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    void this.beat();
  }

  /** Stop heartbeats and unregister. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.backend.unregisterWorker(this.id, this.instance).catch((err: unknown) => this.log.warn({ err }, 'could not unregister worker'));
  }

  private arm(): void {
    this.timer = setTimeout(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      if (!(await this.backend.heartbeat(this.id, this.instance, this.ttlMs, this.meta()))) {
        // Our registration lapsed (e.g. a long pause) and the id was taken: keep running, but say so loudly.
        this.log.error({ workerId: this.id }, 'worker id was taken by another process after our registration expired');
        if (await this.backend.registerWorker(this.id, this.instance, this.meta(), this.ttlMs)) this.log.info('worker id registered again');
      }
    } catch (err) {
      this.log.warn({ err }, 'heartbeat failed; retrying');
    }
    if (this.timer) this.arm();
  }
}
