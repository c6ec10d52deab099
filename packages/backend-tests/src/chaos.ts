import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { QueueStats } from '@wrkr/core/backend';
import { eventually, sleep } from './eventually';

/** What a chaos run needs from the backend under test. */
export interface ChaosOptions {
  /** Node arguments of one consumer process: it consumes the queue and prints `done <id>` per handled event before acking it. */
  readonly consumerArgs: readonly string[];
  /** Publish the given event ids (the run has them consumed). */
  readonly publish: (ids: readonly string[]) => Promise<void>;
  /** Exact counts of the consumed queue. */
  readonly stats: () => Promise<QueueStats>;
  /** Events published (default 2,000). */
  readonly events?: number;
  /** Consumer processes alive at once (default 3). */
  readonly consumers?: number;
  /** SIGKILLs of a random consumer, each replaced at once (default 5). */
  readonly kills?: number;
  /** Pause between kills (default 300 ms). */
  readonly killEveryMs?: number;
  /** How long the run may take to drain after the last kill (default 60 s). */
  readonly drainMs?: number;
  /** A disruption of the server itself (a restart, connections cut), done while events flow. */
  readonly disrupt?: () => Promise<void>;
  /** How many times `disrupt` runs, spread between the kills (default 1 when `disrupt` is given). */
  readonly disruptions?: number;
}

/** Figures of a chaos run. */
export interface ChaosResult {
  readonly events: number;
  readonly kills: number;
  /** Server disruptions done. */
  readonly disruptions: number;
  /** Publish batches refused while the server was disrupted and sent again (not acknowledged, so not lost). */
  readonly publishRetries: number;
  /** Published ids never reported handled. */
  readonly lost: number;
  /** Handled reports beyond the first per id (at-least-once redeliveries after a kill). */
  readonly duplicates: number;
  /** Counts of the queue after the drain. */
  readonly stats: QueueStats;
  readonly durationMs: number;
}

/** Most times one publish batch is sent again while the server is disrupted. */
const PUBLISH_ATTEMPTS = 50;

/**
 * Publish `events` ids while `consumers` processes consume them, SIGKILL a random one `kills` times
 * (replacing it) and disrupt the server `disruptions` times in between, then wait until every id was
 * handled and the queue is empty again (leases of killed consumers expire). Lost ids and duplicates are
 * counted from what the consumers printed.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const events = options.events ?? 2000;
  const kills = options.kills ?? 5;
  const disruptions = options.disrupt === undefined ? 0 : (options.disruptions ?? 1);
  // Disruption d follows kill number `at[d]`, so they fall between kills while events still flow.
  const at = Array.from({ length: disruptions }, (_, d) => Math.floor(((d + 1) * kills) / (disruptions + 1)));
  let publishRetries = 0;
  let disrupted = 0;
  const started = Date.now();
  const handled = new Map<string, number>();
  const children = new Set<ChildProcess>();
  const startConsumer = (): void => {
    const child = spawn(process.execPath, options.consumerArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('done ')) handled.set(line.slice(5), (handled.get(line.slice(5)) ?? 0) + 1);
    });
  };
  for (let i = 0; i < (options.consumers ?? 3); i++) startConsumer();
  const ids = Array.from({ length: events }, (_, i) => `chaos-${started}-${i}`);
  try {
    const publishing = (async () => {
      for (let i = 0; i < ids.length; i += 100) {
        // A batch the server refused while disrupted was not acknowledged: the publisher sends it again.
        for (let attempt = 1; ; attempt++) {
          try {
            await options.publish(ids.slice(i, i + 100));
            break;
          } catch (err) {
            if (attempt >= PUBLISH_ATTEMPTS) throw err;
            publishRetries++;
            await sleep(100);
          }
        }
      }
    })();
    for (let k = 0; k < kills; k++) {
      await sleep(options.killEveryMs ?? 300);
      const victims = [...children];
      victims[Math.floor(Math.random() * victims.length)]?.kill('SIGKILL');
      startConsumer();
      for (const d of at) {
        if (d !== k) continue;
        await options.disrupt!();
        disrupted++;
      }
    }
    await publishing;
    const stats = await eventually(async () => {
      const s = await options.stats();
      if (ids.some((id) => !handled.has(id)) || s.ready + s.inFlight + s.delayed + s.failed > 0) throw new Error(`not drained: ${JSON.stringify(s)}`);
      return s;
    }, options.drainMs ?? 60_000, 100).catch(() => options.stats());
    const lost = ids.filter((id) => !handled.has(id)).length;
    const duplicates = [...handled.values()].reduce((n, c) => n + c - 1, 0);
    return { events, kills, disruptions: disrupted, publishRetries, lost, duplicates, stats, durationMs: Date.now() - started };
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}
