import type { ParseArgsConfig } from 'node:util';

/** One flag of a command: how parseArgs reads it and how its help line reads. */
export interface FlagSpec {
  /** Takes a value, or is a switch. */
  readonly type: 'string' | 'boolean';
  /** One-letter alias. */
  readonly short?: string;
  /** May be given more than once. */
  readonly multiple?: boolean;
  /** Placeholder of the value in the help (`URL`, `N`). */
  readonly value?: string;
  /** One line for the help. */
  readonly help: string;
}

/** Flags by long name (without the dashes). */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** A subcommand: its arguments, flags, and the help text built from them. */
export interface CommandSpec {
  /** What it does, one line. */
  readonly summary: string;
  /** Positional arguments as the usage line shows them (`QUEUE NAME`), empty for none. */
  readonly args: string;
  /** Every flag it accepts, the shared ones included. */
  readonly flags: FlagSpecs;
  /** Example invocations (without the leading `wrkr`). */
  readonly examples: readonly string[];
  /** Runs against a backend someone else also uses, so it needs an explicit `--backend`. */
  readonly operator: boolean;
}

const HELP: FlagSpecs = { help: { type: 'boolean', short: 'h', help: 'show this help' } };
const CONFIG: FlagSpecs = { config: { type: 'string', short: 'c', value: 'FILE', help: 'settings file (.json, or .js/.cjs exporting the object); WRKR_CONFIG' } };
const backendFlags = (defaultText: string): FlagSpecs => ({
  backend: { type: 'string', short: 'b', value: 'URL', help: `memory://, redis://…, amqp://…, mongodb://… (?namespace=NS)${defaultText}; WRKR_BACKEND` },
  namespace: { type: 'string', value: 'NS', help: "isolates the data; overrides the URL's ?namespace=; WRKR_NAMESPACE" },
});
// Worker and server may run on their own in-process backend; an operator command must name the shared one.
const OWN_BACKEND = backendFlags(', default memory://');
const SHARED_BACKEND = backendFlags(', required');
const JSON_OUT: FlagSpecs = { json: { type: 'boolean', help: 'one line of JSON instead of a table' } };
const JSON_LINES: FlagSpecs = { json: { type: 'boolean', help: 'one JSON object per event and line instead of text' } };
const LOGS: FlagSpecs = {
  'log-level': { type: 'string', value: 'LEVEL', help: 'fatal, error, warn, info (default), debug, trace or silent; WRKR_LOG_LEVEL' },
  'log-format': { type: 'string', value: 'FORMAT', help: 'pretty (default on a terminal) or json (default otherwise); WRKR_LOG_FORMAT' },
};
const RUN: FlagSpecs = {
  paths: { type: 'string', short: 'p', multiple: true, value: 'DIR…', help: 'task module files or directories (.js/.cjs/.mjs); WRKR_PATHS=a,b' },
  id: { type: 'string', value: 'ID', help: 'worker id, unique among live workers (default host-pid-random); WRKR_ID' },
  concurrency: { type: 'string', value: 'N', help: "default concurrency of each task (a task's own wins); WRKR_CONCURRENCY" },
  'shutdown-timeout': { type: 'string', value: 'D', help: 'how long a stop waits for running jobs (default 30s); WRKR_SHUTDOWN_TIMEOUT' },
};
const METRICS: FlagSpecs = {
  'metrics-port': { type: 'string', value: 'PORT', help: 'serve Prometheus metrics at http://HOST:PORT/metrics (0 picks a free one; default none); WRKR_METRICS_PORT' },
  'metrics-host': { type: 'string', value: 'HOST', help: 'interface of the metrics port (default 127.0.0.1; it asks for no credentials); WRKR_METRICS_HOST' },
};
const SERVE: FlagSpecs = {
  host: { type: 'string', value: 'HOST', help: 'interface to listen on (default 127.0.0.1); WRKR_HOST' },
  port: { type: 'string', value: 'PORT', help: 'port (default 8080, 0 picks a free one); WRKR_PORT' },
  token: { type: 'string', value: 'T', help: 'bearer token the API accepts; WRKR_TOKEN' },
  basic: { type: 'string', value: 'USER:PASS', help: 'basic-auth credentials the API accepts; WRKR_BASIC' },
};
const EVENT_CONTENT: FlagSpecs = {
  data: { type: 'string', short: 'd', value: 'JSON', help: 'event data, a JSON value' },
  tid: { type: 'string', value: 'ID', help: 'id of the thing the event is about' },
  header: { type: 'string', short: 'H', multiple: true, value: 'k=v', help: 'event header (repeatable)' },
};
const EVENT: FlagSpecs = {
  ...EVENT_CONTENT,
  when: { type: 'string', value: 'WHEN', help: "deliver not before: a delay ('5m', '2 hours') or an ISO time" },
  'event-id': { type: 'string', value: 'ID', help: 'own event id (a pending event with the same id is not added twice)' },
  priority: { type: 'string', value: 'P', help: 'priority 0–9, higher is taken first (default 0)' },
  key: { type: 'string', value: 'KEY', help: 'job key: events sharing it are deduped, debounced or throttled (per queue)' },
  'key-mode': { type: 'string', value: 'MODE', help: "dedupe (default), debounce or throttle; needs --key" },
  'key-ttl': { type: 'string', value: 'TTL', help: "throttle window ('1m', '30 seconds'); with --key-mode throttle" },
};

const operator = (summary: string, args: string, flags: FlagSpecs, examples: string[]): CommandSpec => ({
  summary,
  args,
  flags: { ...SHARED_BACKEND, ...CONFIG, ...flags, ...JSON_OUT, ...HELP },
  examples,
  operator: true,
});

/** Every subcommand of `wrkr`, in the order the overview lists them. */
export const COMMANDS = {
  worker: {
    summary: 'run task modules and config chains until SIGINT/SIGTERM',
    args: '',
    flags: { ...OWN_BACKEND, ...CONFIG, ...RUN, ...METRICS, ...LOGS, ...HELP },
    examples: ['worker --backend redis://127.0.0.1:6379?namespace=myapp --paths ./tasks --id mail-1 --concurrency 4 --metrics-port 9464'],
    operator: false,
  },
  serve: {
    summary: 'HTTP API and dashboard, optionally running task modules in the same process',
    args: '',
    flags: { ...OWN_BACKEND, ...CONFIG, ...SERVE, ...RUN, ...LOGS, ...HELP },
    examples: ['serve --backend redis://127.0.0.1:6379?namespace=myapp --port 8080 --token "$WRKR_TOKEN"'],
    operator: false,
  },
  publish: operator('publish an event to every queue bound to a matching pattern', 'NAME', EVENT, [
    `publish user.added --data '{"email":"a@b.c"}' --tid u1 --backend redis://127.0.0.1:6379`,
  ]),
  send: operator('send an event straight to one queue', 'QUEUE NAME', EVENT, ['send orders order.process --data \'{"id":7}\' --when 5m --backend redis://127.0.0.1:6379']),
  schedule: operator(
    'create or replace a recurring schedule',
    'NAME',
    {
      event: { type: 'string', value: 'NAME', help: 'name of the event each occurrence publishes (required)' },
      every: { type: 'string', value: 'D', help: "interval ('90 minutes'); or --cron" },
      cron: { type: 'string', value: 'EXPR', help: "cron expression ('0 2 * * *'); or --every" },
      tz: { type: 'string', value: 'ZONE', help: 'time zone of --cron (default UTC)' },
      ...EVENT_CONTENT,
      paused: { type: 'boolean', help: 'create it paused' },
    },
    ["schedule nightly-report --event report.run --cron '0 2 * * *' --tz Europe/Amsterdam --backend redis://127.0.0.1:6379"],
  ),
  unschedule: operator('remove a schedule (exit 1 when there is none)', 'NAME', {}, ['unschedule nightly-report --backend redis://127.0.0.1:6379']),
  trigger: operator("publish a schedule's event now, outside its series", 'NAME', {}, ['trigger nightly-report --backend redis://127.0.0.1:6379']),
  schedules: operator('list schedules with their next and last run', '', {}, ['schedules --json --backend redis://127.0.0.1:6379']),
  stats: operator('counts of the given queues (default: every queue)', '[QUEUE…]', {}, ['stats orders mail --backend redis://127.0.0.1:6379']),
  failed: operator(
    'list the failed items of a queue, oldest first',
    'QUEUE',
    {
      limit: { type: 'string', value: 'N', help: 'at most N items (default 100, at most 10000)' },
      offset: { type: 'string', value: 'N', help: 'skip the first N items (default 0)' },
    },
    ['failed orders --limit 20 --offset 40 --backend redis://127.0.0.1:6379'],
  ),
  jobs: operator(
    'list one state of a queue: ready in the order they will be taken, delayed by due time, inFlight by lease end, failed most recent first, completed (kept by keepCompleted) most recent first',
    'QUEUE',
    {
      state: { type: 'string', value: 'STATE', help: 'ready (default), delayed, inFlight, failed or completed' },
      limit: { type: 'string', value: 'N', help: 'at most N jobs (default 50, at most 1000)' },
      offset: { type: 'string', value: 'N', help: 'skip the first N jobs (default 0)' },
    },
    ['jobs orders --state delayed --limit 20 --backend redis://127.0.0.1:6379'],
  ),
  pending: operator(
    'list delayed publishes not yet routed, soonest due first (cancel one with the HTTP API or wrkr.cancel)',
    '',
    {
      limit: { type: 'string', value: 'N', help: 'at most N (default 50, at most 1000)' },
      offset: { type: 'string', value: 'N', help: 'skip the first N (default 0)' },
    },
    ['pending --limit 20 --backend redis://127.0.0.1:6379'],
  ),
  job: operator('show one job of a queue in any state (ready, delayed, inFlight, failed, completed while kept); exit 1 when the queue does not hold it', 'QUEUE ID', {}, [
    'job orders 01J9Z… --json --backend redis://127.0.0.1:6379',
  ]),
  replay: operator('move failed items (all, or the given ids) back to the queue; exit 1 when an id is not failed', 'QUEUE [ID…]', {}, [
    'replay orders 01J9Z… --backend redis://127.0.0.1:6379',
  ]),
  purge: operator('delete failed items (all, or the given ids); exit 1 when an id is not failed', 'QUEUE [ID…]', {}, ['purge orders --backend redis://127.0.0.1:6379']),
  workers: operator('list live workers with their heartbeats', '', {}, ['workers --backend redis://127.0.0.1:6379']),
  pause: operator('stop every process claiming from a queue (items keep arriving) until resume', 'QUEUE', {}, ['pause orders --backend redis://127.0.0.1:6379']),
  resume: operator('let every process claim from a paused queue again', 'QUEUE', {}, ['resume orders --backend redis://127.0.0.1:6379']),
  limits: operator(
    "show a queue's limits, honoured by every process together; with flags, replace them",
    'QUEUE',
    {
      concurrency: { type: 'string', value: 'N', help: 'at most N items of the queue in flight at once, across every process' },
      rate: { type: 'string', value: 'MAX/PER', help: 'at most MAX starts in any window of PER (sliding), e.g. 100/1m or 5/1s' },
      'group-by': { type: 'string', value: 'KEY', help: "fair groups: group items by 'tid' or the header KEY (none: group ''), served in turn" },
      'group-concurrency': { type: 'string', value: 'N', help: 'at most N items of one group in flight at once, across every process (with --group-by)' },
      'group-rate': { type: 'string', value: 'MAX/PER', help: 'at most MAX starts of one group in any window of PER (with --group-by)' },
      remove: { type: 'boolean', help: 'remove the limits' },
    },
    ['limits mailer --concurrency 10 --rate 100/1m --group-by tenant --group-concurrency 2 --backend redis://127.0.0.1:6379'],
  ),
  abort: operator(
    'abort the handler running a job, in whichever process (exit 1 when it is not in flight)',
    'QUEUE ID',
    {
      reason: { type: 'string', value: 'TEXT', help: 'why, for the handler error and the logs' },
      fail: { type: 'boolean', help: 'send it to the failed store instead of retrying it' },
    },
    ["abort orders 01J9Z… --reason 'stuck on a dead host' --fail --backend redis://127.0.0.1:6379"],
  ),
  watch: {
    summary: "print a queue's job lifecycle (active, progress, completed, retrying, failed) as every process reports it, one line per event, until SIGINT/SIGTERM",
    args: 'QUEUE',
    flags: { ...SHARED_BACKEND, ...CONFIG, ...JSON_LINES, ...HELP },
    examples: ['watch orders --json --backend redis://127.0.0.1:6379'],
    operator: true,
  },
} as const satisfies Record<string, CommandSpec>;

/** Name of a subcommand. */
export type CommandName = keyof typeof COMMANDS;

/** Whether `name` is a subcommand. */
export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** The parseArgs options of a command: exactly its flags, so the help and the parser cannot disagree. */
export function parserOptions(spec: CommandSpec): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    options[name] = { type: f.type, ...(f.short !== undefined ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  return options;
}
