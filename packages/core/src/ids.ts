import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** A new sortable unique id (ULID, monotonic within this process). */
export function newId(): string {
  return nextUlid();
}
