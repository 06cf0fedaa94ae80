/**
 * The relay as a user runs it: `plotly-stream-relay` in a process of its own (the CLI from source),
 * for tests that must see it survive, or measure its memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface RelayProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything it wrote to stderr (its log) so far. */
  readonly log: () => string;
  /** Its resident memory now, in MiB (Linux). */
  rssMiB(): number;
  /** The most resident memory it has had since it started or `resetPeak()` (the kernel's high-water mark), in MiB. */
  peakRssMiB(): number;
  /** Starts the high-water mark again from now (Linux: `5` to /proc/PID/clear_refs). */
  resetPeak(): void;
  /** True while the process has not exited. */
  alive(): boolean;
  /** SIGTERM, and waits for it to exit; resolves its exit code. */
  stop(): Promise<number | null>;
}

export async function startRelayProcess(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RelayProcess> {
  const cli = fileURLToPath(new URL('../src/relay/cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let log = '';
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  child.stdout?.resume();
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      log += d;
      const match = /listening on (https?:\/\/\S+)/.exec(log);
      if (match) resolve(match[1] as string);
    });
    void exit.then((code) => reject(new Error(`the relay exited (${code}) before listening:\n${log}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    log: () => log,
    rssMiB() {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : NaN;
    },
    peakRssMiB() {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : NaN;
    },
    resetPeak() {
      writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
    },
    alive: () => !exited,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      return exit;
    },
  };
}
