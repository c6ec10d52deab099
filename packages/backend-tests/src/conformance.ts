import { ackNackTests } from './groups/ack-nack';
import { cancelTests } from './groups/cancel';
import { closeTests } from './groups/close';
import { competingConsumersTests } from './groups/competing-consumers';
import { concurrentPublisherTests } from './groups/concurrent-publishers';
import { connectionLossTests } from './groups/connection-loss';
import { contractTests } from './groups/contract';
import { delayedTests } from './groups/delayed';
import { directInputTests } from './groups/direct-input';
import { fanOutTests } from './groups/fan-out';
import { invalidInputTests } from './groups/invalid-input';
import { isolationTests } from './groups/isolation';
import { jobLookupTests } from './groups/job-lookup';
import { leaseTests } from './groups/leases';
import { listingTests } from './groups/listings';
import { pendingTests } from './groups/pending';
import { persistenceTests } from './groups/persistence';
import { priorityTests } from './groups/priorities';
import { queueAdminTests } from './groups/queue-admin';
import { requestReplyTests } from './groups/request-reply';
import { roundTripTests } from './groups/round-trip';
import { scheduleTests } from './groups/schedules';
import { workerTests } from './groups/workers';
import { abortTests } from './groups/abort';
import { pauseTests } from './groups/pause';
import { progressTests } from './groups/progress';
import { completedTests } from './groups/completed';
import { stickyPullTests } from './groups/sticky-pull';
import { lifecycleTests } from './groups/lifecycle';
import { jobKeyTests } from './groups/job-keys';
import { queueLimitTests } from './groups/queue-limits';
import { fairGroupTests } from './groups/fair-groups';
import type { ConformanceOptions, TestApi } from './options';
import { runGroups, type ConformanceGroup } from './suite';

/** Every group, in order: the whole Backend spec. */
export const ALL_GROUPS: readonly ConformanceGroup[] = [
  contractTests,
  roundTripTests,
  fanOutTests,
  competingConsumersTests,
  ackNackTests,
  leaseTests,
  delayedTests,
  cancelTests,
  scheduleTests,
  persistenceTests,
  concurrentPublisherTests,
  queueAdminTests,
  closeTests,
  isolationTests,
  workerTests,
  invalidInputTests,
  connectionLossTests,
  directInputTests,
  requestReplyTests,
  pauseTests,
  abortTests,
  progressTests,
  jobLookupTests,
  listingTests,
  pendingTests,
  priorityTests,
  completedTests,
  stickyPullTests,
  lifecycleTests,
  jobKeyTests,
  queueLimitTests,
  fairGroupTests,
];

/**
 * Register the whole conformance suite for one backend with the given test runner. Tests the backend
 * cannot run (capability false, hook not given) are skipped with the reason in their title and listed
 * on stderr at the end.
 */
export function runConformance(options: ConformanceOptions, api: TestApi): void {
  runGroups(options, api, ALL_GROUPS);
}
