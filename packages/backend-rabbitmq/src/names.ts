import { ValidationError } from '@wrkr/core/backend';

const NAMESPACE = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_AMQP_NAME = 255;

/** Broker object names of one namespace; every name starts with `wrkr.<namespace>.` so namespaces never meet. */
export class Names {
  /** Topic exchange every publish goes to; wrkr queues bind to it with their patterns. */
  readonly exchange: string;
  /** Coordinator command queue (single active consumer): commands, and delayed items coming due. */
  readonly commands: string;
  /** Queue holding the coordinator's durable state as a journal (snapshot + deltas). */
  readonly journal: string;
  /** Fanout exchange where the delay ladder ends; bound to the command queue. */
  readonly ladderExit: string;
  /** Fanout exchange of census requests (what each live client holds of a queue). */
  readonly census: string;
  /** Direct exchange of lifecycle events; routing key = wrkr queue, one exclusive queue per watcher bound to it. */
  readonly events: string;
  /**
   * Direct exchange of every write addressed to one wrkr queue (send, write-back, release, replay); routing
   * key = wrkr queue. Each work queue and its shadow log are bound to it with that key, so the broker
   * appends every such write to the log too, with no publish of the client's own.
   */
  readonly direct: string;
  /** Prefix of connection names, so an operator (or a test) can find this namespace's connections. */
  readonly connectionName: string;

  constructor(readonly namespace: string) {
    if (!NAMESPACE.test(namespace)) throw new ValidationError('namespace', 'must be 1–64 letters, digits, "_" or "-"');
    const p = `wrkr.${namespace}`;
    this.exchange = p;
    this.commands = `${p}.cmd`;
    this.journal = `${p}.journal`;
    this.ladderExit = `${p}.delay.exit`;
    this.census = `${p}.census`;
    this.events = `${p}.events`;
    this.direct = `${p}.d`;
    this.connectionName = `wrkr:${namespace}`;
  }

  /** The AMQP queue holding a wrkr queue's items. */
  queue(queue: string): string {
    return this.checked(`wrkr.${this.namespace}.q.${queue}`, queue);
  }

  /** The AMQP queue holding a wrkr queue's failed items. */
  failed(queue: string): string {
    return this.checked(`wrkr.${this.namespace}.f.${queue}`, queue);
  }

  /** The stream queue shadowing a wrkr queue: every message routed to it, and clients' state records (see shadow-index.ts). */
  shadow(queue: string): string {
    return this.checked(`wrkr.${this.namespace}.s.${queue}`, queue);
  }

  /** Exchange of delay-ladder level `k`. */
  ladderExchange(k: number): string {
    return `wrkr.${this.namespace}.delay.x${k}`;
  }

  /** Queue of delay-ladder level `k` (messages wait 2^k ms there). */
  ladderQueue(k: number): string {
    return `wrkr.${this.namespace}.delay.q${k}`;
  }

  private checked(name: string, queue: string): string {
    if (name.length > MAX_AMQP_NAME) throw new ValidationError('queue', `${JSON.stringify(queue)} is too long for this namespace (AMQP names are at most ${MAX_AMQP_NAME} bytes)`);
    return name;
  }
}
