/**
 * A real redis-server of our own (Debian's) for tests and benchmarks, on a free loopback port, without persistence:
 * never the system service. It can be stopped and started again on the same port, as a Redis
 * restart without persistence would (every key gone).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

const BINARY = process.env['REDIS_SERVER'] ?? 'redis-server';

export const haveRedis = spawnSync(BINARY, ['--version']).status === 0;

/** `Redis 7.0.15`, for reports. */
export function redisVersion(): string {
  const out = spawnSync(BINARY, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return `Redis ${/v=(\S+)/.exec(out)?.[1] ?? 'unknown'}`;
}

/** CI installs redis-server (.ci/run); elsewhere, without it, the Redis tests say so and skip. */
export const skipWithoutRedis =
  !haveRedis && !process.env['CI'] ? "Debian's redis-server is not installed (apt-get install -y redis-server)" : false;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class RedisServer {
  readonly port: number;
  #child: ChildProcess | null = null;

  private constructor(port: number) {
    this.port = port;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port, empty. */
  async start(): Promise<void> {
    const child = spawn(
      BINARY,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (data: Buffer) => {
        output += data.toString();
        if (output.includes('Ready to accept connections')) {
          child.stdout?.off('data', onData);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
    });
    child.stdout?.resume();
    child.stderr?.resume();
  }

  /** Stops it; what it held is gone (no persistence). */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (child === null || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
