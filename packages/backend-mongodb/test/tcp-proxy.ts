import net from 'node:net';

/**
 * A TCP forwarder in front of the real server, so a test can cut every connection the way a network
 * failure does (FerretDB v1 has no killOp/dropConnections). Nothing is emulated: bytes reach the real
 * server unchanged.
 */
export class TcpProxy {
  readonly #sockets = new Set<net.Socket>();
  readonly #server: net.Server;

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  /** Listen on a free local port. */
  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** The local port. */
  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** Destroy every open connection (new ones are still accepted). */
  cut(): void {
    for (const s of this.#sockets) s.destroy();
  }

  /** Stop listening and cut everything. */
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
