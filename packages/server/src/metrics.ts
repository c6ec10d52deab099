import type { QueueCounters, QueueStats, Wrkr } from '@wrkr/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics of one Wrkr: a registry of its own, and `close` to stop counting its events. */
export interface WrkrMetrics {
  /** Holds every wrkr metric; `registry.metrics()` renders the text format, `registry.contentType` its media type. */
  readonly registry: Registry;
  /** Detach from the Wrkr's lifecycle events (the registry keeps the values counted so far). */
  close(): void;
}

type QueueRow = { queue: string; stats: QueueStats; counters?: QueueCounters };

const STATES = ['ready', 'delayed', 'inFlight', 'failed'] as const;
// Handlers run from milliseconds to minutes; lateness from near zero (a busy worker) to a backlog of minutes.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const LATENESS_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

/**
 * Build the metrics of `wrkr`: queue depths, pause state and live workers read from the backend at scrape
 * time (so they cover every process); job counters too, from the backend's durable `counters` where it has
 * `lifecycleEvents` (so a server that runs no handler counts every process's jobs), else from this
 * process's lifecycle events; handler timings always from this process's. Each call makes a new registry,
 * so two servers in one process never share or clash.
 */
export function createMetrics(wrkr: Wrkr): WrkrMetrics {
  const registry = new Registry();
  const durable = wrkr.backend.capabilities.lifecycleEvents;
  // One backend read per scrape feeds every queue metric: prom-client starts every collect() at once.
  let scrape: Promise<QueueRow[]> | undefined;
  const load = async (): Promise<QueueRow[]> =>
    Promise.all(
      (await wrkr.queues()).map(async (queue) => {
        const [stats, counters] = await Promise.all([wrkr.stats(queue), durable ? wrkr.counters(queue) : undefined]);
        return { queue, stats, ...(counters !== undefined && { counters }) };
      }),
    );
  const readQueues = (): Promise<QueueRow[]> => (scrape ??= load().finally(() => (scrape = undefined)));

  new Gauge({
    name: 'wrkr_queue_items',
    help: 'Items per queue and state (ready, delayed, inFlight, failed), read from the backend at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { queue, stats } of await readQueues()) for (const state of STATES) this.set({ queue, state }, stats[state]);
    },
  });
  new Gauge({
    name: 'wrkr_queue_paused',
    help: '1 while the queue is paused, 0 otherwise',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { queue, stats } of await readQueues()) this.set({ queue }, stats.paused === true ? 1 : 0);
    },
  });
  new Gauge({
    name: 'wrkr_workers',
    help: 'Live workers (registered and heartbeating) on the backend',
    registers: [registry],
    async collect() {
      this.set((await wrkr.workers()).length);
    },
  });

  const counter = (name: string, what: string, key: 'completed' | 'failed' | 'retried'): Counter<'queue'> =>
    new Counter({
      name,
      help: durable ? `${what}, in every process (the backend's durable counters, read at scrape time)` : `${what}, in this process`,
      labelNames: ['queue'],
      registers: [registry],
      // The backend's totals only grow (until deleteQueue, which Prometheus reads as a counter reset).
      ...(durable && {
        async collect(this: Counter<'queue'>) {
          this.reset();
          for (const { queue, counters } of await readQueues()) this.inc({ queue }, counters?.[key] ?? 0);
        },
      }),
    });
  const completed = counter('wrkr_jobs_completed_total', 'Jobs that succeeded and were acked', 'completed');
  const failed = counter('wrkr_jobs_failed_total', 'Items moved to the failed store after their last attempt', 'failed');
  const retried = counter('wrkr_jobs_retried_total', 'Failed attempts scheduled for a retry', 'retried');
  const duration = new Histogram({
    name: 'wrkr_handler_duration_seconds',
    help: 'Handler run time of every attempt (succeeded or failed), in this process',
    labelNames: ['queue'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const lateness = new Histogram({
    name: 'wrkr_delivery_lateness_seconds',
    help: "Time from an item's publish to the start of its first attempt's handler (a delayed send includes its delay), in this process",
    labelNames: ['queue'],
    buckets: LATENESS_BUCKETS,
    registers: [registry],
  });

  const attempt = (e: { queue: string; attempt: number; ms: number; waitMs: number }): void => {
    duration.observe({ queue: e.queue }, e.ms / 1000);
    // A retry's wait includes its backoff, so only first attempts say how far behind the workers are.
    if (e.attempt === 1) lateness.observe({ queue: e.queue }, e.waitMs / 1000);
  };
  // Where the backend counts, this process's events only feed the timings.
  const count = (c: Counter<'queue'>, queue: string): void => {
    if (!durable) c.inc({ queue });
  };
  const onCompleted = (e: Parameters<typeof attempt>[0]): void => (count(completed, e.queue), attempt(e));
  const onFailed = (e: Parameters<typeof attempt>[0]): void => (count(failed, e.queue), attempt(e));
  const onRetrying = (e: Parameters<typeof attempt>[0]): void => (count(retried, e.queue), attempt(e));
  wrkr.on('completed', onCompleted);
  wrkr.on('failed', onFailed);
  wrkr.on('retrying', onRetrying);
  return {
    registry,
    close() {
      wrkr.off('completed', onCompleted);
      wrkr.off('failed', onFailed);
      wrkr.off('retrying', onRetrying);
    },
  };
}
