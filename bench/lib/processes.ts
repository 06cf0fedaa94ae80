/** Child processes for load generators and servers: TypeScript through tsx, a message channel each. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Worker {
  child: ChildProcess;
  /** Sends a request and resolves with the worker's answer to it. */
  ask<T>(message: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

let nextId = 1;

export async function startWorker(name: string, args: string[] = []): Promise<Worker> {
  const file = fileURLToPath(new URL(`../workers/${name}.ts`, import.meta.url));
  const child = fork(file, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (value: unknown) => void>();
  child.on('message', (message: { id?: number; result?: unknown }) => {
    if (message.id !== undefined) {
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    }
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code} before it was ready`)));
  });
  await ready;
  return {
    child,
    ask<T>(message: Record<string, unknown>) {
      const id = nextId++;
      return new Promise<T>((resolve) => {
        pending.set(id, resolve as (value: unknown) => void);
        child.send({ ...message, id });
      });
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}

/** In a worker: answer requests with `handler`, and say ready. */
export function serveRequests(handler: (message: Record<string, unknown>) => Promise<unknown> | unknown): void {
  process.on('message', async (message: Record<string, unknown> & { id: number }) => {
    const result = await handler(message);
    process.send?.({ id: message.id, result });
  });
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({ ready: true });
}

/** CPU seconds and RSS of this process, for the parent to difference. */
export function usage() {
  const cpu = process.cpuUsage();
  return { cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss, at: performance.now() };
}
