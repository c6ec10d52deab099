import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Wrkr } from '@wrkr/core';
import { createMetrics } from '@wrkr/server';
import type { Logger } from 'pino';
import type { MetricsConfig } from './config';

/** A running metrics port: its URL, and `close` to stop serving and counting. */
export interface MetricsServer {
  /** `http://host:port/metrics`. */
  readonly url: string;
  /** Stop listening and detach from the Wrkr's events. */
  close(): Promise<void>;
}

/**
 * Serve `wrkr`'s Prometheus metrics (the same as `wrkr serve`'s `/metrics`) on a port of its own: a
 * worker has no HTTP API, and a scraper should not need one. Anything but `GET /metrics` is a 404.
 */
export async function startMetricsServer(wrkr: Wrkr, config: MetricsConfig, log: Logger): Promise<MetricsServer> {
  const metrics = createMetrics(wrkr);
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: unknown) => {
        log.error({ err }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable: see the worker log\n');
      },
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (err) {
    metrics.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: async () => {
      metrics.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
