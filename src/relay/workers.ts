/**
 * `--workers N`: N relay processes on one port (node:cluster), sharing tokens through Redis. The
 * primary only forks, restarts a worker that dies, and stops them all on SIGTERM or SIGINT.
 */
import cluster, { type Worker } from 'node:cluster';
import { WORKER_RESTART_DELAY_MS } from './constants.js';

/** What a worker tells the primary once it listens. */
export interface WorkerListening {
  type: 'plotly-stream-listening';
  url: string;
  /** The plain HTTP port's URL beside TLS, or null. */
  plainUrl: string | null;
}

export function isWorkerListening(message: unknown): message is WorkerListening {
  return (message as WorkerListening | null)?.type === 'plotly-stream-listening';
}

export interface PrimaryOptions {
  count: number;
  /** Called once, when every worker of the first set listens. */
  onListening(url: string, plainUrl: string | null): void;
  log(line: string): void;
}

export function runPrimary({ count, onListening, log }: PrimaryOptions): void {
  let stopping = false;
  let announced = false;
  const listening = new Set<number>();
  // Our own list: cluster.workers drops a worker on 'exit' only if its IPC channel closed first.
  const alive = new Map<number, Worker>();

  const fork = (): void => {
    const worker = cluster.fork();
    alive.set(worker.id, worker);
    worker.on('message', (message: unknown) => {
      if (!isWorkerListening(message) || announced) return;
      listening.add(worker.id);
      if (listening.size < count) return;
      announced = true;
      onListening(message.url, message.plainUrl ?? null);
    });
  };

  cluster.on('exit', (worker, code, signal) => {
    alive.delete(worker.id);
    if (stopping) {
      if (alive.size === 0) process.exit(0);
      return;
    }
    log(`worker ${worker.id} (pid ${worker.process.pid}) exited (${signal ?? `code ${code}`}); starting another`);
    setTimeout(() => {
      if (!stopping) fork();
    }, WORKER_RESTART_DELAY_MS);
  });

  const stop = (signal: string): void => {
    if (stopping) process.exit(1); // a second signal: do not wait
    stopping = true;
    log(`${signal}, closing ${alive.size} workers`);
    if (alive.size === 0) process.exit(0);
    // Each worker closes its relay as on its own SIGTERM: ingests get 503, viewers a close reason.
    for (const worker of alive.values()) worker.process.kill('SIGTERM');
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  for (let i = 0; i < count; i++) fork();
}
