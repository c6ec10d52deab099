/**
 * Key layout. Every key of a namespace carries the hash tag `{<namespace>}`, so all of them live in one
 * Redis Cluster slot and every Lua script may touch any of them (publish fans out across queues).
 */
export class Keys {
  /** Prefix of every key, `{<namespace>}:`; scripts derive all keys from it. */
  readonly prefix: string;
  /** Pub/sub channel on which scripts announce queues that got work. */
  readonly wakeChannel: string;
  /** A real key of the namespace, passed as KEYS[1] so Cluster routes scripts to the namespace's slot. */
  readonly anchor: string;

  constructor(namespace: string) {
    this.prefix = `{${namespace}}:`;
    this.wakeChannel = `${this.prefix}wake`;
    this.anchor = `${this.prefix}queues`;
  }

  /** Hash holding one schedule. */
  schedule(name: string): string {
    return `${this.prefix}s:${name}`;
  }

  /** Hash of one queue's limits (`concurrency`, `rate_max`, `rate_per`, `group_by`, `group_concurrency`, `group_rate_max`, `group_rate_per`), read by the scripts. */
  limits(queue: string): string {
    return `${this.prefix}q:${queue}:limits`;
  }

  /** Set of schedule names. */
  get schedules(): string {
    return `${this.prefix}schedules`;
  }
}
