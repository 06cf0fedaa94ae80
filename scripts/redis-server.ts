/**
 * A real redis-server of our own (Debian's) for tests and benchmarks, on a free loopback port, without persistence:
 * never the system service. It can be stopped and started again on the same port, as a Redis
 * restart without persistence would (every key gone).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = process.env['REDIS_SERVER'] ?? 'redis-server';
/** redis-cli, beside redis-server (Debian installs both). */
const CLI = BINARY.replace(/redis-server$/, 'redis-cli');

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
  readonly #extraArgs: string[];
  #child: ChildProcess | null = null;

  private constructor(port: number, extraArgs: string[]) {
    this.port = port;
    this.#extraArgs = extraArgs;
  }

  /** `extraArgs` are given the port (a cluster node names its config file after it). */
  static async start(extraArgs: (port: number) => string[] = () => []): Promise<RedisServer> {
    const port = await freePort();
    const server = new RedisServer(port, extraArgs(port));
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
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'notice',
        ...this.#extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    // A process that exits without stopping it (a failed check's process.exit) does not leave it running.
    const orphaned = () => child.kill('SIGKILL');
    process.once('exit', orphaned);
    child.once('exit', () => process.off('exit', orphaned));
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

/** A Redis Cluster of our own: `count` masters on loopback, every slot assigned, no replicas. */
export class RedisCluster {
  readonly nodes: readonly RedisServer[];
  readonly #dir: string;

  private constructor(nodes: RedisServer[], dir: string) {
    this.nodes = nodes;
    this.#dir = dir;
  }

  static async start(count = 3): Promise<RedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
    const nodes = await Promise.all(
      Array.from({ length: count }, () =>
        RedisServer.start((port) => [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--dir',
          dir,
        ]),
      ),
    );
    const created = spawnSync(
      CLI,
      ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8' },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.stdout}${created.stderr}`);
    const deadline = Date.now() + 20_000;
    for (const node of nodes) {
      while (
        !/cluster_state:ok/.test(
          spawnSync(CLI, ['-p', String(node.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout,
        )
      ) {
        if (Date.now() > deadline) throw new Error('the Redis Cluster did not become ready');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return new RedisCluster(nodes, dir);
  }

  /** Any node's URL: the client discovers the others from it. */
  get url(): string {
    return (this.nodes[0] as RedisServer).url;
  }

  /** Keys held by each node. */
  keysPerNode(): number[] {
    return this.nodes.map((n) =>
      Number(spawnSync(CLI, ['-p', String(n.port), 'dbsize'], { encoding: 'utf8' }).stdout.trim()),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
