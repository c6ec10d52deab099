import { WakeTickets } from '@wrkr/core/backend';

const shared = new Map<string, WakeTickets>();

/**
 * The wake-ups shared by every backend instance of this process on one server, database and namespace:
 * a publish, send, nack or routed delayed item wakes local waiting claims at once, without a round trip
 * to the server. Claims of other processes find the work by polling.
 */
export function sharedWakeups(key: string): WakeTickets {
  let hub = shared.get(key);
  if (hub === undefined) {
    hub = new WakeTickets();
    shared.set(key, hub);
  }
  return hub;
}
