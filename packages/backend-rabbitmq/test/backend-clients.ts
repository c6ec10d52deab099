import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach } from '@jest/globals';
import { amqpUrl } from '@wrkr/backend-tests/services';
import { RabbitMqBackend, type RabbitMqBackendOptions } from '@wrkr/backend-rabbitmq';

/** Started backends on a fresh namespace per test; closed and the namespace destroyed after each test. */
export interface BackendClients {
  /** The broker URL of the current test. */
  readonly url: string;
  /** The namespace of the current test. */
  readonly namespace: string;
  /** Start another client on the current test's namespace (`extra` options on top of the shared ones). */
  client(extra?: Partial<RabbitMqBackendOptions>): Promise<RabbitMqBackend>;
}

/** Register the hooks that give each test of the enclosing `describe` its own namespace and clients. */
export function backendClients(options: Partial<RabbitMqBackendOptions> = {}): BackendClients {
  const started: RabbitMqBackend[] = [];
  const state = {
    url: '',
    namespace: '',
    async client(extra: Partial<RabbitMqBackendOptions> = {}): Promise<RabbitMqBackend> {
      const b = new RabbitMqBackend({ ...options, ...extra, url: state.url, namespace: state.namespace });
      started.push(b);
      await b.start();
      return b;
    },
  };

  beforeEach(async () => {
    state.url = await amqpUrl();
    state.namespace = `t_${randomBytes(5).toString('hex')}`;
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((c) => c.close()));
    const cleanup = new RabbitMqBackend({ url: state.url, namespace: state.namespace });
    await cleanup.start();
    await cleanup.destroy();
  });

  return state;
}
