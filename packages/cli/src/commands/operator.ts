import { ValidationError, type EventInput, type JobInfo, type KeyMode, type Published, type QueueLimits, type QueueLimitsInput, type RateInput, type ScheduleInfo, type Wrkr } from '@wrkr/core';
import type { CommandName } from '../command-spec';
import { emit, table, type CommandIo } from '../output';

/** Flags the operator commands read (beside the common ones). */
export interface OperatorFlags {
  json?: boolean;
  data?: string;
  tid?: string;
  header?: string[];
  when?: string;
  'event-id'?: string;
  priority?: string;
  key?: string;
  'key-mode'?: string;
  'key-ttl'?: string;
  every?: string;
  cron?: string;
  tz?: string;
  event?: string;
  paused?: boolean;
  limit?: string;
  offset?: string;
  reason?: string;
  fail?: boolean;
  state?: string;
  concurrency?: string;
  rate?: string;
  remove?: boolean;
  'group-by'?: string;
  'group-concurrency'?: string;
  'group-rate'?: string;
}

/** A command that runs once against a started Wrkr (every one but `worker`, `serve` and `watch`). */
export type OperatorCommand = Exclude<CommandName, 'worker' | 'serve' | 'watch'>;

/** Run an operator command; returns the exit code. */
export async function operatorCommand(command: OperatorCommand, wrkr: Wrkr, args: string[], flags: OperatorFlags, io: CommandIo): Promise<number> {
  const json = flags.json;
  switch (command) {
    case 'publish': {
      const [name] = positionals(args, ['name']);
      const published = await wrkr.publish(eventFromFlags(name!, flags));
      emit(io, json, published, () => `published ${published.id}${keyNote(published)}`);
      return 0;
    }
    case 'send': {
      const [queue, name] = positionals(args, ['queue', 'name']);
      const published = await wrkr.send(queue!, eventFromFlags(name!, flags));
      emit(io, json, published, () => `sent ${published.id} to ${queue}${keyNote(published)}`);
      return 0;
    }
    case 'schedule': {
      const [name] = positionals(args, ['name']);
      if (flags.event === undefined) throw new ValidationError('--event', 'is required (the event name each occurrence publishes)');
      if ((flags.every === undefined) === (flags.cron === undefined)) throw new ValidationError('--every', 'give either --every or --cron');
      const rule = flags.every !== undefined ? { every: flags.every } : { cron: flags.cron!, ...(flags.tz !== undefined ? { tz: flags.tz } : {}) };
      const info = await wrkr.schedule(name!, rule, eventFromFlags(flags.event, flags), flags.paused ? { active: false } : {});
      emit(io, json, info, () => `scheduled ${info.name}: ${ruleText(info)}, next ${info.nextRunAt.toISOString()}${info.active ? '' : ' (paused)'}`);
      return 0;
    }
    case 'unschedule': {
      const [name] = positionals(args, ['name']);
      const removed = await wrkr.unschedule(name!);
      emit(io, json, { name, removed }, () => (removed ? `unscheduled ${name}` : `no schedule ${name}`));
      return removed ? 0 : 1;
    }
    case 'trigger': {
      const [name] = positionals(args, ['name']);
      const published = await wrkr.trigger(name!);
      emit(io, json, published, () => `triggered ${name}: event ${published.id}`);
      return 0;
    }
    case 'schedules': {
      const list = await wrkr.schedules();
      emit(io, json, list, () =>
        table(
          ['NAME', 'RULE', 'ACTIVE', 'NEXT', 'LAST'],
          list.map((s) => [s.name, ruleText(s), String(s.active), s.nextRunAt.toISOString(), s.lastRunAt?.toISOString() ?? '-']),
        ),
      );
      return 0;
    }
    case 'stats': {
      const queues = args.length > 0 ? args : await wrkr.queues();
      const stats = await Promise.all(queues.map(async (queue) => ({ queue, ...(await wrkr.stats(queue)) })));
      emit(io, json, stats, () =>
        table(
          ['QUEUE', 'READY', 'DELAYED', 'IN-FLIGHT', 'FAILED', 'LIMITS'],
          stats.map((s) => [s.paused ? `${s.queue} (paused)` : s.queue, String(s.ready), String(s.delayed), String(s.inFlight), String(s.failed), s.limits ? limitsText(s.limits) : '-']),
        ),
      );
      return 0;
    }
    case 'failed': {
      const [queue] = positionals(args, ['queue']);
      const items = await wrkr.failed(queue!, {
        ...(flags.limit !== undefined ? { limit: intFlag(flags.limit, '--limit') } : {}),
        ...(flags.offset !== undefined ? { offset: intFlag(flags.offset, '--offset') } : {}),
      });
      const out = items.map((f) => ({
        queue: f.queue,
        id: f.raw.id,
        name: f.raw.name,
        ...(f.event?.data !== undefined ? { data: f.event.data } : {}),
        attempt: f.attempt,
        error: f.error,
        failedAt: f.failedAt.toISOString(),
      }));
      emit(io, json, out, () =>
        table(
          ['ID', 'NAME', 'ATTEMPT', 'FAILED AT', 'ERROR'],
          out.map((f) => [f.id, f.name, String(f.attempt), f.failedAt, f.error.message]),
        ),
      );
      return 0;
    }
    case 'job': {
      const [queue, id] = positionals(args, ['queue', 'id']);
      const job = await wrkr.job(queue!, id!);
      if (job === undefined) {
        emit(io, json, { queue, id, found: false }, () => `no job ${id} in ${queue}`);
        return 1;
      }
      const out = jobView(job);
      emit(io, json, out, () =>
        Object.entries(out)
          .map(([k, v]) => `${k.padEnd(10)} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join('\n'),
      );
      return 0;
    }
    case 'jobs': {
      const [queue] = positionals(args, ['queue']);
      const jobs = await wrkr.jobs(queue!, {
        state: (flags.state ?? 'ready') as Parameters<Wrkr['jobs']>[1]['state'],
        ...(flags.limit !== undefined ? { limit: intFlag(flags.limit, '--limit') } : {}),
        ...(flags.offset !== undefined ? { offset: intFlag(flags.offset, '--offset') } : {}),
      });
      const out = jobs.map(jobView);
      emit(io, json, out, () =>
        table(
          ['ID', 'NAME', 'STATE', 'ATTEMPT', 'DUE / LEASE END', 'ERROR'],
          out.map((j) => [j.id, j.name, j.state, String(j.attempt), j.dueAt ?? j.leaseUntil ?? '-', j.error?.message ?? '']),
        ),
      );
      return 0;
    }
    case 'pending': {
      positionals(args, []);
      const page = await wrkr.pending({
        ...(flags.limit !== undefined ? { limit: intFlag(flags.limit, '--limit') } : {}),
        ...(flags.offset !== undefined ? { offset: intFlag(flags.offset, '--offset') } : {}),
      });
      const out = page.map((p) => ({ ...p, dueAt: p.dueAt.toISOString() }));
      emit(io, json, out, () => table(['ID', 'NAME', 'TID', 'DUE'], out.map((p) => [p.id, p.name, p.tid ?? '-', p.dueAt])));
      return 0;
    }
    case 'replay':
    case 'purge': {
      const [queue, ...ids] = args;
      if (queue === undefined) throw new ValidationError('queue', `is required: wrkr ${command} QUEUE [ID…]`);
      const verb = command === 'replay' ? 'replayed' : 'purged';
      // Checked first so a mistyped id changes nothing rather than half of what was asked.
      const missing = ids.length > 0 ? await notFailed(wrkr, queue, ids) : [];
      if (missing.length > 0) {
        emit(io, json, { queue, count: 0, missing }, () => `nothing ${verb}: not in the failed store of ${queue}: ${missing.join(', ')}`);
        return 1;
      }
      const n = command === 'replay' ? await wrkr.replay(queue, ids.length > 0 ? ids : undefined) : await wrkr.purge(queue, ids.length > 0 ? ids : undefined);
      // Fewer than asked: another process replayed or purged some of them meanwhile.
      const short = ids.length > 0 && n < ids.length;
      emit(io, json, { queue, count: n }, () => `${verb} ${n} failed item(s) of ${queue}${short ? ` (${ids.length - n} of the ids were no longer failed)` : ''}`);
      return short ? 1 : 0;
    }
    case 'pause':
    case 'resume': {
      const [queue] = positionals(args, ['queue']);
      if (command === 'pause') await wrkr.pause(queue!);
      else await wrkr.resume(queue!);
      emit(io, json, { queue, paused: command === 'pause' }, () => `${command === 'pause' ? 'paused' : 'resumed'} ${queue}`);
      return 0;
    }
    case 'limits': {
      const [queue] = positionals(args, ['queue']);
      const change = limitsFromFlags(flags);
      if (change !== undefined) await wrkr.setQueueLimits(queue!, change);
      const limits = await wrkr.queueLimits(queue!);
      emit(io, json, { queue, limits }, () => `${queue}: ${limitsText(limits)}`);
      return 0;
    }
    case 'abort': {
      const [queue, id] = positionals(args, ['queue', 'id']);
      const aborted = await wrkr.abort(queue!, id!, { ...(flags.reason !== undefined && { reason: flags.reason }), ...(flags.fail && { fail: true }) });
      emit(io, json, { queue, id, aborted }, () => (aborted ? `aborted ${queue}/${id}` : `${queue}/${id} is not in flight`));
      return aborted ? 0 : 1;
    }
    case 'workers': {
      const workers = await wrkr.workers();
      const now = Date.now();
      emit(io, json, workers, () =>
        table(
          ['ID', 'HEARTBEAT AGE', 'STARTED', 'META'],
          workers.map((w) => [w.id, `${((now - w.heartbeatAt) / 1000).toFixed(1)}s`, new Date(w.startedAt).toISOString(), JSON.stringify(w.meta)]),
        ),
      );
      return 0;
    }
  }
}

/** The limits the flags ask for: undefined to only show them, `{}` to remove them. */
function limitsFromFlags(flags: OperatorFlags): QueueLimitsInput | undefined {
  const groupBy = flags['group-by'];
  const groupFlags = groupBy !== undefined || flags['group-concurrency'] !== undefined || flags['group-rate'] !== undefined;
  if (flags.remove) {
    if (flags.concurrency !== undefined || flags.rate !== undefined || groupFlags) throw new ValidationError('--remove', 'cannot go with other limit flags');
    return {};
  }
  if (flags.concurrency === undefined && flags.rate === undefined && !groupFlags) return undefined;
  if (groupFlags && groupBy === undefined) throw new ValidationError('--group-by', "is needed with --group-concurrency and --group-rate ('tid' or a header name)");
  const concurrency = wholeNumber(flags.concurrency, '--concurrency');
  const rate = rateFlag(flags.rate, '--rate');
  const groupConcurrency = wholeNumber(flags['group-concurrency'], '--group-concurrency');
  const groupRate = rateFlag(flags['group-rate'], '--group-rate');
  return {
    ...(concurrency !== undefined && { concurrency }),
    ...(rate !== undefined && { rate }),
    ...(groupBy !== undefined && { group: { by: groupBy, ...(groupConcurrency !== undefined && { concurrency: groupConcurrency }), ...(groupRate !== undefined && { rate: groupRate }) } }),
  };
}

/** A whole-number flag, undefined when not given. */
function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new ValidationError(flag, `must be a whole number (got ${JSON.stringify(value)})`);
  return Number(value);
}

/** A MAX/PER rate flag (PER a duration), undefined when not given. */
function rateFlag(value: string | undefined, flag: string): RateInput | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+)\s*\/\s*(\S.*)$/.exec(value);
  if (m === null) throw new ValidationError(flag, `must be MAX/PER, e.g. 100/1m (got ${JSON.stringify(value)})`);
  return { max: Number(m[1]), per: m[2]! as RateInput['per'] };
}

function limitsText(limits: QueueLimits): string {
  const parts = flowParts(limits);
  if (limits.group !== undefined) parts.push(`per ${limits.group.by === 'tid' ? 'tid' : `header ${limits.group.by}`}: ${flowParts(limits.group).join(', ')}`);
  return parts.length > 0 ? parts.join(', ') : 'no limits';
}

function flowParts(limits: Pick<QueueLimits, 'concurrency' | 'rate'>): string[] {
  return [
    ...(limits.concurrency !== undefined ? [`concurrency ${limits.concurrency}`] : []),
    ...(limits.rate !== undefined ? [`rate ${limits.rate.max} per ${limits.rate.per} ms`] : []),
  ];
}

const FAILED_PAGE = 10_000;

/** A job as the CLI prints it: event fields flattened, times as ISO strings. */
function jobView(job: JobInfo) {
  return {
    queue: job.queue,
    id: job.id,
    state: job.state,
    name: job.raw.name,
    ...(job.raw.tid !== undefined ? { tid: job.raw.tid } : {}),
    ...(job.event?.data !== undefined ? { data: job.event.data } : {}),
    attempt: job.attempt,
    ...(job.dueAt ? { dueAt: job.dueAt.toISOString() } : {}),
    ...(job.leaseUntil ? { leaseUntil: job.leaseUntil.toISOString() } : {}),
    ...(job.error ? { error: job.error } : {}),
    createdAt: job.createdAt.toISOString(),
    ...(job.updatedAt ? { updatedAt: job.updatedAt.toISOString() } : {}),
    ...(job.result !== undefined ? { result: job.result } : {}),
  };
}

/** The ids that are not in the failed store of `queue`. */
async function notFailed(wrkr: Wrkr, queue: string, ids: string[]): Promise<string[]> {
  const wanted = new Set(ids);
  for (let offset = 0; wanted.size > 0; offset += FAILED_PAGE) {
    const page = await wrkr.failed(queue, { limit: FAILED_PAGE, offset });
    for (const f of page) wanted.delete(f.raw.id);
    if (page.length < FAILED_PAGE) break;
  }
  return ids.filter((id) => wanted.has(id));
}

/** The positional arguments of a command that takes exactly `names`; a ValidationError naming the first missing one otherwise. */
export function positionals(args: string[], names: string[]): string[] {
  if (args.length !== names.length) {
    throw new ValidationError(names[args.length] ?? 'arguments', `expected ${names.map((n) => n.toUpperCase()).join(' ')} (got ${args.length} argument(s))`);
  }
  return args;
}

function eventFromFlags(name: string, flags: OperatorFlags): EventInput {
  let data: unknown;
  if (flags.data !== undefined) {
    try {
      data = JSON.parse(flags.data);
    } catch (err) {
      throw new ValidationError('--data', `is not valid JSON: ${(err as Error).message}`);
    }
  }
  const headers: Record<string, string> = {};
  for (const h of flags.header ?? []) {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new ValidationError('--header', `${JSON.stringify(h)} must be key=value`);
    headers[h.slice(0, eq)] = h.slice(eq + 1);
  }
  return {
    name,
    ...(data !== undefined ? { data } : {}),
    ...(flags.tid !== undefined ? { tid: flags.tid } : {}),
    ...(flags.header !== undefined ? { headers } : {}),
    ...(flags['event-id'] !== undefined ? { id: flags['event-id'] } : {}),
    ...(flags.when !== undefined ? { when: flags.when } : {}),
    ...(flags.priority !== undefined ? { priority: intFlag(flags.priority, '--priority') } : {}),
    ...(flags.key !== undefined ? { key: flags.key } : {}),
    // Checked by Wrkr (mode enum, window rules) like any caller's; the cast only carries the text there.
    ...(flags['key-mode'] !== undefined ? { keyMode: flags['key-mode'] as KeyMode } : {}),
    ...(flags['key-ttl'] !== undefined ? { keyTtl: flags['key-ttl'] } : {}),
  };
}

/** What a key did, for the human-readable line (nothing for an unkeyed event). */
function keyNote(p: Published): string {
  if (p.keyed === undefined) return '';
  if (p.dropped) return ` (dropped by its key: ${p.keyed.map((k) => k.outcome).join(', ')})`;
  const replaced = p.keyed.filter((k) => k.outcome === 'replaced').map((k) => k.id);
  return replaced.length > 0 ? ` (replaced ${replaced.join(', ')})` : '';
}

function intFlag(value: string, field: string): number {
  if (!/^\d+$/.test(value)) throw new ValidationError(field, `must be a whole number (got ${JSON.stringify(value)})`);
  return Number(value);
}

function ruleText(s: ScheduleInfo): string {
  return 'every' in s.rule ? `every ${s.rule.every}ms` : `cron ${s.rule.cron}${s.rule.tz !== undefined ? ` ${s.rule.tz}` : ''}`;
}
