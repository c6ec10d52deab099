import assert from 'node:assert/strict';
import { MemoryBackend, MemoryStore } from '@wrkr/backend-memory';
import {
  abortTests,
  competingConsumersTests,
  completedTests,
  concurrentPublisherTests,
  delayedTests,
  directInputTests,
  fanOutTests,
  jobLookupTests,
  leaseTests,
  requestReplyTests,
  pauseTests,
  progressTests,
  listingTests,
  pendingTests,
  priorityTests,
  scheduleTests,
  stickyPullTests,
  lifecycleTests,
  jobKeyTests,
  queueLimitTests,
  fairGroupTests,
  type ConformanceGroup,
  type ConformanceOptions,
} from '@wrkr/backend-tests';
import type { Backend } from '@wrkr/core/backend';
import {
  AbortNeverArrives,
  AdmitsDuplicateKeys,
  DebounceKeepsFirst,
  DeliversBeforeDue,
  DeliversToTwoConsumers,
  DropsOnePublishedEvent,
  DropsPriority,
  FiresScheduleTwice,
  IgnoresKeepCount,
  KeepsFirstResult,
  LimitsOnlyInClient,
  IgnoresGroupConcurrency,
  IgnoresGroupRate,
  ServesGroupsFifo,
  ForgetsTheHolder,
  LifecycleOnlyInClient,
  SendRoutesByName,
  PausesOnlyItself,
  ProgressNeverStored,
  ListsDelayedLatestFirst,
  PendingMissesOne,
  ReportsLeasedAsReady,
  SeesOthersAcksLate,
  ListsReadyInSendOrder,
  SharedDeliveries,
  SkipsArgumentChecks,
  StaleAckRemoves,
  StickinessOutlivesTheLease,
} from './broken-backends';
import { RecordingApi, type RecordedResult } from './recording-api';

// Short patience: a broken backend's lost item should fail fast, not after the default 5 s.
const timing = { patienceMs: 1500 };

/** Run `groups` against backends made by `wrap` (over MemoryBackends sharing one store); return each test's outcome. */
async function runGroups(groups: readonly ConformanceGroup[], wrap: (inner: Backend, shared: SharedDeliveries) => Backend): Promise<RecordedResult[]> {
  const store = new MemoryStore();
  const shared = new SharedDeliveries();
  const options: ConformanceOptions = {
    name: 'teeth',
    createBackend: ({ namespace }) => wrap(new MemoryBackend({ namespace, store }), shared),
    destroyBackend: ({ namespace }) => Promise.resolve(store.drop(namespace)),
    timing,
  };
  const recorder = new RecordingApi();
  for (const group of groups) group(options, recorder.api);
  return recorder.run(30_000);
}

const summary = (results: readonly RecordedResult[]) =>
  results.map((r) => `${r.status.padEnd(7)} ${r.title}${r.error ? `\n          ${String((r.error as Error).message ?? r.error).split('\n')[0]}` : ''}`).join('\n');

const BROKEN: ReadonlyArray<{ what: string; groups: ConformanceGroup[]; group: RegExp; wrap: (inner: Backend, shared: SharedDeliveries) => Backend }> = [
  { what: 'drops one published event', groups: [fanOutTests, concurrentPublisherTests], group: /fan-out|concurrent publishers/, wrap: (b) => new DropsOnePublishedEvent(b) },
  { what: 'delivers before the due time', groups: [delayedTests], group: /delayed/, wrap: (b) => new DeliversBeforeDue(b) },
  { what: 'delivers one item to two consumers at once', groups: [competingConsumersTests], group: /competing consumers/, wrap: (b, s) => new DeliversToTwoConsumers(b, s) },
  { what: 'lets a stale ack remove an item re-leased by another consumer', groups: [leaseTests], group: /leases/, wrap: (b, s) => new StaleAckRemoves(b, s) },
  { what: 'fires a schedule occurrence twice', groups: [scheduleTests], group: /schedules/, wrap: (b) => new FiresScheduleTwice(b) },
  { what: 'honours a pause only in the client that paused', groups: [pauseTests], group: /pause and resume/, wrap: (b) => new PausesOnlyItself(b) },
  { what: 'accepts aborts that never reach the lease holder', groups: [abortTests], group: /abort of running jobs/, wrap: (b) => new AbortNeverArrives(b) },
  { what: 'accepts progress but never stores it', groups: [progressTests], group: /stored progress/, wrap: (b) => new ProgressNeverStored(b) },
  { what: 'reports a leased item as ready in job()', groups: [jobLookupTests], group: /job lookup/, wrap: (b) => new ReportsLeasedAsReady(b) },
  { what: "sees another client's acks late in job() (a barrier that only flushes the asker)", groups: [jobLookupTests], group: /job lookup/, wrap: (b, s) => new SeesOthersAcksLate(b, s) },
  { what: 'lists ready items in arrival order instead of claim order (priorities ignored)', groups: [listingTests], group: /per-state listings/, wrap: (b, s) => new ListsReadyInSendOrder(b, s) },
  { what: 'lists delayed items latest due first', groups: [listingTests], group: /per-state listings/, wrap: (b) => new ListsDelayedLatestFirst(b) },
  { what: 'leaves an item out of the pending list', groups: [pendingTests], group: /pending delayed publishes/, wrap: (b) => new PendingMissesOne(b) },
  { what: 'skips the argument checks of BaseBackend', groups: [directInputTests], group: /bad arguments refused by the backend itself/, wrap: (b) => new SkipsArgumentChecks(b as MemoryBackend) },
  { what: 'routes a point-to-point send by name', groups: [requestReplyTests], group: /request\/reply/, wrap: (b) => new SendRoutesByName(b) },
  { what: 'drops the priority (priority inversion)', groups: [priorityTests], group: /priorities/, wrap: (b) => new DropsPriority(b) },
  { what: 'keeps the first result of an id completed twice', groups: [completedTests], group: /completed items kept/, wrap: (b) => new KeepsFirstResult(b) },
  { what: 'ignores the count bound of kept completed items', groups: [completedTests], group: /completed items kept/, wrap: (b) => new IgnoresKeepCount(b) },
  { what: 'hands a worker a new item instead of the one it holds', groups: [stickyPullTests], group: /sticky pull/, wrap: (b) => new ForgetsTheHolder(b) },
  { what: 'delivers lifecycle events only to watchers in the publishing client', groups: [lifecycleTests], group: /lifecycle events/, wrap: (b) => new LifecycleOnlyInClient(b) },
  { what: 'admits a dedupe key twice', groups: [jobKeyTests], group: /job keys/, wrap: (b) => new AdmitsDuplicateKeys(b) },
  { what: 'keeps the first payload of a debounce', groups: [jobKeyTests], group: /job keys/, wrap: (b) => new DebounceKeepsFirst(b) },
  { what: 'honours queue limits only in the client that set them', groups: [queueLimitTests], group: /queue limits/, wrap: (b) => new LimitsOnlyInClient(b) },
  { what: 'ignores the group concurrency (clients together hold any number of a group)', groups: [fairGroupTests], group: /fair groups/, wrap: (b) => new IgnoresGroupConcurrency(b) },
  { what: 'serves groups FIFO instead of in turn (one group starves the rest)', groups: [fairGroupTests], group: /fair groups/, wrap: (b) => new ServesGroupsFifo(b) },
  { what: 'ignores the group rate', groups: [fairGroupTests], group: /fair groups/, wrap: (b) => new IgnoresGroupRate(b) },
  { what: 'hands a worker its old item again after its lease ended', groups: [stickyPullTests], group: /sticky pull/, wrap: (b) => new StickinessOutlivesTheLease(b) },
];

describe('the conformance suite has teeth', () => {
  it('passes every test of the groups below against the unbroken MemoryBackend', async () => {
    const results = await runGroups([...new Set(BROKEN.flatMap((b) => b.groups))], (b) => b);
    assert.ok(results.length >= 20, `only ${results.length} tests ran`);
    assert.ok(results.every((r) => r.status === 'passed'), summary(results));
  }, 120_000);

  for (const broken of BROKEN) {
    it(`fails a backend that ${broken.what}`, async () => {
      const results = await runGroups(broken.groups, broken.wrap);
      const failed = results.filter((r) => r.status === 'failed');
      assert.ok(failed.length > 0, `no test failed:\n${summary(results)}`);
      if (process.env.TEETH_VERBOSE) process.stderr.write(`${broken.what}:\n${summary(failed)}\n`);
      assert.ok(failed.every((r) => broken.group.test(r.title)), summary(failed));
    }, 120_000);
  }
});
