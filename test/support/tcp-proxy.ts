/**
 * A loopback TCP proxy whose connections can be frozen: still open, but nothing passes either way,
 * as a half-dead connection behind a NAT or a load balancer behaves.
 */
import net from 'node:net';

interface Pipe {
  client: net.Socket;
  upstream: net.Socket;
  /** What the client sent first (to pick connections by what they said). */
  sent: string;
  frozen: boolean;
  /** What the client sent while new connections were held, or null once passed on. */
  held: Buffer[] | null;
}

export class TcpProxy {
  readonly #server: net.Server;
  readonly #pipes = new Set<Pipe>();
  #holding = false;

  private constructor(targetPort: number) {
    this.#server = net.createServer((client) => this.#accept(client, targetPort));
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  #accept(client: net.Socket, targetPort: number): void {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pipe: Pipe = { client, upstream, sent: '', frozen: false, held: this.#holding ? [] : null };
    this.#pipes.add(pipe);
    client.on('data', (data) => {
      if (pipe.sent.length < 4096) pipe.sent += data.toString('latin1');
      if (pipe.held !== null) pipe.held.push(data);
      else if (!pipe.frozen) upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (!pipe.frozen) client.write(data);
    });
    const end = () => {
      this.#pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }

  /** Freezes the open connections whose client sent text matching `pattern`; returns how many. */
  freeze(pattern: RegExp): number {
    let count = 0;
    for (const pipe of this.#pipes) {
      if (pattern.test(pipe.sent)) {
        pipe.frozen = true;
        count++;
      }
    }
    return count;
  }

  /** Connections opened from now on are accepted but pass nothing on until `release()`. */
  holdNew(): void {
    this.#holding = true;
  }

  /** Passes on what the held connections sent, and lets them and new ones through. */
  release(): void {
    this.#holding = false;
    for (const pipe of this.#pipes) {
      if (pipe.held === null) continue;
      for (const data of pipe.held) pipe.upstream.write(data);
      pipe.held = null;
    }
  }

  async close(): Promise<void> {
    for (const pipe of this.#pipes) {
      pipe.client.destroy();
      pipe.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
