/**
 * `npm run soak -- [--minutes N] [--redis]`
 *
 * A relay under a steady mixed load for N minutes (default 1): producers streaming to several
 * tokens, WebSocket and SSE viewers that drop at random and resume, and a slow viewer that stops
 * reading until the relay cuts it off. With `--redis` (Debian's redis-server, started here on a
 * free port) the relay keeps its history in Redis and is restarted every 15 s while all this goes on.
 *
 * It checks, by offsets, that every viewer saw every message of every token exactly once and in
 * order (no gap, no duplicate, no reset after the first, the same message at the same offset for
 * everyone), and that what the producers were told was stored is what the relay holds. It prints a
 * summary table and exits 1 when a check fails.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { createRelay, type Relay, type RelayOptions } from '../src/relay/index.js';
import { decodeEvents, formatPositions, runMessages, type Positions, type RelayEvent } from '../src/shared/protocol.js';
import { RedisServer } from './redis-server.js';
import { sseReader } from './sse-reader.js';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '1' }, redis: { type: 'boolean', default: false } },
});
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  console.error(`soak: --minutes must be a positive number, got "${values.minutes}"`);
  process.exit(2);
}

const TOKENS = ['soak-a', 'soak-b', 'soak-c', 'soak-d'];
const LINES_PER_SECOND = 200; // per token
const VIEWERS = 12; // half WebSocket, half SSE, each on every token; half of each read runs (runs=1)
const RESTART_EVERY_MS = 15_000;
const random = (min: number, max: number) => min + Math.random() * (max - min);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- the relay -----------------------------------------------------------------------------------
const redis = values.redis ? await RedisServer.start() : null;
const startedAt = Date.now();
const relayLog: string[] = [];
const relayOptions: RelayOptions = {
  port: 0,
  historyMessages: 1_000_000,
  historyBytes: 1e9,
  heartbeatMs: 1000,
  maxBufferedBytes: 64 * 1024,
  redis: redis?.url,
  redisPrefix: `soak${Date.now()}:`,
  // Kept (the last few hundred) for a failure's report: reconnects to Redis, re-reads, errors.
  log: (line) => {
    relayLog.push(`${((Date.now() - startedAt) / 1000).toFixed(1)} s  ${line}`);
    if (relayLog.length > 400) relayLog.shift();
  },
};
let relay: Relay = await createRelay(relayOptions);
const port = relay.port;
relayOptions.port = port;
const url = () => `http://127.0.0.1:${port}`;
let restarts = 0;

// --- producers -----------------------------------------------------------------------------------
interface ProducerStats {
  written: number;
  accepted: number;
  /** Lines written on a connection that ended without a summary: stored or not, nobody said. */
  unknown: number;
  connections: number;
}
const producers = new Map<string, ProducerStats>();
let producing = true;

async function produce(token: string): Promise<void> {
  const stats: ProducerStats = { written: 0, accepted: 0, unknown: 0, connections: 0 };
  producers.set(token, stats);
  let sequence = 0;
  while (producing) {
    stats.connections++;
    let written = 0;
    const summary = await new Promise<{ accepted: number } | null>((resolve) => {
      const request = http.request(
        `${url()}/`,
        { method: 'POST', headers: { 'plotly-streamtoken': token, 'transfer-encoding': 'chunked' } },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (c: string) => (body += c));
          response.on('end', () => {
            clearInterval(tick);
            try {
              resolve(JSON.parse(body) as { accepted: number });
            } catch {
              resolve(null);
            }
          });
          response.on('error', () => resolve(null));
          // Closed without an end or an error: nobody said what was stored.
          response.on('close', () => resolve(null));
        },
      );
      request.on('close', () => {
        clearInterval(tick);
        resolve(null);
      });
      request.on('error', () => {
        clearInterval(tick);
        resolve(null);
      });
      const tick = setInterval(() => {
        if (!producing) {
          clearInterval(tick);
          request.end();
          return;
        }
        let lines = '';
        for (let i = 0; i < LINES_PER_SECOND / 50; i++) lines += `{"y": ${++sequence}}\n`;
        written += LINES_PER_SECOND / 50;
        request.write(lines);
      }, 20);
    });
    stats.written += written;
    if (summary === null) stats.unknown += written;
    else stats.accepted += summary.accepted;
    if (producing) await sleep(200); // the relay restarted, or ended the stream: write again
  }
}

// --- viewers -------------------------------------------------------------------------------------
interface ViewerStats {
  kind: 'websocket' | 'sse' | 'slow';
  connections: number;
  drops: number;
  /** Connections the relay ended: cut off for not reading, or a restart. */
  endedByRelay: number;
  received: number;
  gaps: number;
  duplicates: number;
  resets: number;
  mismatches: number;
}

/** Offset -> y, per token and epoch, as the first viewer to see it got it: everyone must agree. */
const seenContent = new Map<string, number>();

class Viewer {
  readonly stats: ViewerStats;
  readonly positions: Positions = new Map();
  #close: (() => void) | null = null;
  #stopped = false;
  /** Set once producers stop: no more random drops or pauses, so the viewer can catch up. */
  #settling = false;
  #resumeReading: (() => void) | null = null;
  /** Whether a connection is open now, and when the last frame came (for a failure's report). */
  open = false;
  lastFrameAt = 0;
  atStop = { open: false, sinceFrameMs: 0 };

  /** Asks for `run` events (runs=1): a token's consecutive messages in one event. */
  readonly #runs: boolean;

  constructor(kind: ViewerStats['kind'], runs = false) {
    this.#runs = runs;
    this.stats = {
      kind,
      connections: 0,
      drops: 0,
      endedByRelay: 0,
      received: 0,
      gaps: 0,
      duplicates: 0,
      resets: 0,
      mismatches: 0,
    };
  }

  start(): void {
    this.#connect();
    if (this.stats.kind !== 'slow') void this.#dropAtRandom();
  }

  stop(): void {
    this.atStop = { open: this.open, sinceFrameMs: Date.now() - this.lastFrameAt };
    this.#stopped = true;
    this.#close?.();
  }

  /** Stops misbehaving (dropping, not reading) so the viewer catches up with what the relay holds. */
  settle(): void {
    this.#settling = true;
    this.#resumeReading?.();
  }

  /** What the viewer lacks, token by token (for a failure's report). */
  behind(last: Map<string, number>): string {
    return TOKENS.filter((t) => this.positions.get(t)?.offset !== last.get(t))
      .map((t) => `${t} at ${this.positions.get(t)?.offset ?? 'nothing'} of ${last.get(t)}`)
      .join(', ');
  }

  /** True when the viewer holds each token's last offset. */
  reached(last: Map<string, number>): boolean {
    return TOKENS.every((t) => this.positions.get(t)?.offset === last.get(t));
  }

  async #dropAtRandom(): Promise<void> {
    while (!this.#stopped) {
      await sleep(random(1000, 5000));
      if (this.#stopped || this.#settling) return;
      this.stats.drops++;
      this.#close?.();
    }
  }

  #query(): string {
    const tokens = TOKENS.map((t) => `token=${t}`).join('&') + (this.#runs ? '&runs=1' : '');
    return this.positions.size === 0
      ? tokens
      : `${tokens}&resume=${encodeURIComponent(formatPositions(this.positions))}`;
  }

  #connect(): void {
    if (this.#stopped) return;
    this.stats.connections++;
    let closed = false;
    let dropped = false;
    const again = () => {
      if (closed) return;
      closed = true;
      this.open = false;
      this.#close = null;
      if (!dropped && !this.#stopped) this.stats.endedByRelay++;
      if (!this.#stopped) setTimeout(() => this.#connect(), random(50, 500));
    };
    if (this.stats.kind === 'sse') {
      const request = http.get(
        `${url()}/subscribe?${this.#query()}`,
        { headers: { accept: 'text/event-stream' } },
        (res) => {
          this.open = true;
          res.setEncoding('utf8');
          res.on('data', sseReader({ data: (data) => this.#frame(data) }));
          res.on('close', again);
          res.on('error', again);
        },
      );
      request.on('error', again);
      this.#close = () => {
        dropped = true;
        request.destroy();
        again();
      };
      return;
    }
    const socket = new WebSocket(`${url().replace('http', 'ws')}/subscribe?${this.#query()}`);
    socket.on('open', () => (this.open = true));
    socket.on('message', (data) => this.#frame(data.toString()));
    socket.on('close', again);
    socket.on('error', () => undefined);
    this.#close = () => {
      dropped = true;
      socket.terminate();
    };
    if (this.stats.kind === 'slow') {
      // Reads for a while, then stops reading until the relay cuts it off (4408), then resumes.
      socket.on('open', async () => {
        await sleep(random(500, 2000));
        if (this.#settling) return;
        const raw = (socket as unknown as { _socket?: { pause(): void; resume(): void } })._socket;
        if (raw === undefined) return;
        raw.pause();
        const resume = () => {
          this.#resumeReading = null;
          raw.resume();
        };
        this.#resumeReading = resume;
        await sleep(random(2000, 4000));
        resume();
      });
    }
  }

  #frame(text: string): void {
    this.lastFrameAt = Date.now();
    for (const event of decodeEvents(text).events) this.#event(event);
  }

  #event(event: RelayEvent): void {
    if (event.type === 'reset') {
      // The first subscription of each token starts with a reset; any later one means a lost window.
      if (this.positions.has(event.token)) this.stats.resets++;
      this.positions.set(event.token, { epoch: event.epoch, offset: event.offset });
      return;
    }
    if (event.type === 'run') {
      for (const [i, message] of runMessages(event).entries())
        if (message !== null)
          this.#event({ type: 'data', token: event.token, epoch: event.epoch, offset: event.offset + i, message });
      return;
    }
    if (event.type !== 'data') return;
    const position = this.positions.get(event.token);
    if (position === undefined || position.epoch !== event.epoch) {
      this.stats.gaps++; // data without the reset that must come before it
    } else if (event.offset <= position.offset) {
      this.stats.duplicates++;
      return;
    } else if (event.offset !== position.offset + 1) {
      this.stats.gaps++;
    }
    this.stats.received++;
    this.positions.set(event.token, { epoch: event.epoch, offset: event.offset });
    const key = `${event.token}:${event.epoch}:${event.offset}`;
    const y = Number(event.message['y']);
    const known = seenContent.get(key);
    if (known === undefined) seenContent.set(key, y);
    else if (known !== y) this.stats.mismatches++;
  }
}

// --- the run -------------------------------------------------------------------------------------
// The schedule runs on a monotonic clock: a wall clock that jumps (a VM resumed) must not end it early.
const started = performance.now();
const viewers = [
  ...Array.from({ length: VIEWERS / 2 }, (_, i) => new Viewer('websocket', i % 2 === 1)),
  ...Array.from({ length: VIEWERS / 2 }, (_, i) => new Viewer('sse', i % 2 === 1)),
  new Viewer('slow'),
];
for (const viewer of viewers) viewer.start();
const producing$ = TOKENS.map((token) => produce(token));

// Every step below ends or fails: a step that takes far longer than it can is reported by name,
// with the relay's log, and the soak exits 1 (CI must never wait on a soak for its whole limit).
let phase = 'producing';
/** Prints the relay's log (what it kept), for a failure's report. */
function printRelayLog(): void {
  if (relayLog.length > 0) console.log(`the relay's log (last ${relayLog.length} lines):\n  ${relayLog.join('\n  ')}`);
}
/** Says why the soak failed, with the relay's log, and exits 1. */
function fail(why: string): never {
  console.log(`soak: FAILED: ${why}`);
  printRelayLog();
  process.exit(1);
}
const watchdog = setTimeout(() => fail(`stuck ${phase}`), minutes * 60_000 + 120_000);
watchdog.unref();

const end = started + minutes * 60_000;
let nextRestart = started + RESTART_EVERY_MS;
while (performance.now() < end) {
  await sleep(Math.min(250, end - performance.now()));
  if (redis !== null && performance.now() >= nextRestart && end - performance.now() > 5000) {
    phase = 'restarting the relay';
    await relay.close();
    await sleep(300);
    relay = await createRelay(relayOptions);
    restarts++;
    phase = 'producing';
    nextRestart = performance.now() + RESTART_EVERY_MS;
  }
}
producing = false;
phase = "waiting for the producers' last answers";
await Promise.all(producing$);
phase = 'reading what the relay holds';
// What the relay holds, read by a fresh subscriber: each token's last offset.
const last = await new Promise<Map<string, number>>((resolve, reject) => {
  const socket = new WebSocket(`${url().replace('http', 'ws')}/subscribe?${TOKENS.map((t) => `token=${t}`).join('&')}`);
  const offsets = new Map<string, number>();
  socket.on('message', (data) => {
    for (const event of decodeEvents(data.toString()).events) {
      if (event.type === 'reset') offsets.set(event.token, event.offset);
      if (event.type === 'data') offsets.set(event.token, event.offset);
      if (event.type === 'ready') {
        socket.close();
        resolve(offsets);
      }
    }
  });
  socket.on('error', reject);
  socket.on('close', (code, reason) =>
    reject(new Error(`the relay closed the check's subscription before its ready (${code} ${reason.toString()})`)),
  );
}).catch((error: Error) => fail(`reading what the relay holds: ${error.message}`));
// Let every viewer catch up: no more drops or pauses; the slow one resumes reading, the dropped
// ones reconnect. Waits for each to hold every last offset (a fixed sleep could end while the slow
// viewer was still paused), up to a deadline after which the report names who did not.
phase = 'waiting for the viewers to catch up';
for (const viewer of viewers) viewer.settle();
const catchUpDeadline = performance.now() + 30_000;
while (performance.now() < catchUpDeadline && !viewers.every((viewer) => viewer.reached(last))) await sleep(100);
for (const viewer of viewers) viewer.stop();
phase = 'closing the relay and Redis';

await relay.close();
await redis?.stop();
clearTimeout(watchdog);

// --- the report ----------------------------------------------------------------------------------
const failures: string[] = [];
const rows: string[][] = [];
for (const token of TOKENS) {
  const p = producers.get(token) as ProducerStats;
  const held = last.get(token) ?? 0;
  // Restarts without Redis are not done, so one epoch holds everything a producer was told was stored.
  const ok = held >= p.accepted && held <= p.accepted + p.unknown;
  if (!ok)
    failures.push(
      `${token}: the relay holds ${held} messages, producers were told ${p.accepted} (+${p.unknown} unknown)`,
    );
  rows.push([
    `producer ${token}`,
    `${p.connections} connections`,
    `${p.written} written`,
    `${p.accepted} stored (+${p.unknown} unknown)`,
    `${held} held`,
    ok ? 'ok' : 'FAIL',
  ]);
}
const expected = TOKENS.reduce((sum, t) => sum + (last.get(t) ?? 0), 0);
for (const [i, viewer] of viewers.entries()) {
  const s = viewer.stats;
  const complete = viewer.reached(last);
  const problems = s.gaps + s.duplicates + s.resets + s.mismatches;
  if (problems > 0 || !complete)
    failures.push(
      `viewer ${i} (${s.kind}): ${s.gaps} gaps, ${s.duplicates} duplicates, ${s.resets} resets, ${s.mismatches} mismatches${
        complete
          ? ''
          : `, did not reach the last offset of every token (${viewer.behind(last)}; ${
              viewer.atStop.open ? 'connected' : 'not connected'
            } at the end, its last frame ${(viewer.atStop.sinceFrameMs / 1000).toFixed(1)} s before)`
      }`,
    );
  rows.push([
    `viewer ${i} (${s.kind})`,
    `${s.connections} connections`,
    `${s.drops} drops, ${s.endedByRelay} ended by the relay`,
    `${s.received} / ${expected} received`,
    `${s.gaps} gaps, ${s.duplicates} dup, ${s.resets} resets, ${s.mismatches} mismatches`,
    problems === 0 && complete ? 'ok' : 'FAIL',
  ]);
}
const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
console.log(
  `soak: ${minutes} min, ${redis === null ? 'memory engine' : `Redis engine, ${restarts} relay restarts`}, ${TOKENS.length} tokens at ${LINES_PER_SECOND} lines/s each, ${viewers.length} viewers`,
);
for (const row of rows) console.log(`  ${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')}`);
if (failures.length > 0) {
  console.log(`soak: FAILED\n  ${failures.join('\n  ')}`);
  printRelayLog();
  process.exit(1);
}
console.log('soak: every viewer saw every message exactly once, in order');
process.exit(0);
