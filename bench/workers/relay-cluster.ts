/**
 * The relay with `--workers N` (node:cluster, Redis engine), run as a user would (the CLI), for the
 * benchmark's one-relay-against-workers rows. Usage is the sum over the primary and its workers.
 * Arguments: Redis URL, number of workers, Redis key prefix, the slow-viewer limit in bytes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveRequests } from '../lib/processes.js';

const [redis = '', workers = '2', prefix = 'bench:', maxBuffer = String(4 * 1024 * 1024)] = process.argv.slice(2);
const cli = fileURLToPath(new URL('../../src/relay/cli.ts', import.meta.url));
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    cli,
    '--port',
    '0',
    '--workers',
    workers,
    '--redis',
    redis,
    '--redis-prefix',
    prefix,
    '--history',
    '1000',
    '--max-buffer',
    maxBuffer,
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
process.on('exit', () => child.kill('SIGTERM'));

const url = await new Promise<string>((resolve, reject) => {
  let text = '';
  child.stderr.on('data', (d: Buffer) => {
    text += d;
    const match = /listening on (http:\/\/\S+)/.exec(text);
    if (match) resolve(match[1] as string);
  });
  child.once('exit', (code) => reject(new Error(`the relay exited (${code}): ${text}`)));
});
child.stderr.resume();

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const PAGE_BYTES = Number(spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).stdout.trim()) || 4096;

/** The primary and its worker processes (not, say, an esbuild service tsx may start). */
function pids(): number[] {
  const children = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((line) => line.includes('cli.ts'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
  return [child.pid as number, ...children];
}

/** CPU (utime + stime) and RSS of the cluster, from /proc. */
function usage() {
  let ticks = 0;
  let rss = 0;
  for (const pid of pids()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      rss += Number(fields[21]) * PAGE_BYTES;
    } catch {
      // gone between the listing and the read
    }
  }
  return { cpuMs: (ticks / TICKS_PER_SECOND) * 1000, rss, at: performance.now() };
}

serveRequests((message) => {
  if (message['op'] === 'url') return url;
  if (message['op'] === 'usage') return usage();
  return null;
});
