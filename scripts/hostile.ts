/**
 * `npm run hostile -- [--seconds N]`: a relay process (the CLI, with TLS, so HTTP/1.1, WebSocket
 * and HTTP/2 all face it) under every hostile client at once, while a normal producer streams to a
 * WebSocket and an SSE viewer:
 *
 * - request targets that are not URLs (`//[`), on HTTP/1.1, upgrades and HTTP/2 `:path`;
 * - producers whose messages try to reach a prototype (`__proto__`, `constructor.prototype`);
 * - viewers that read their first bytes and never again, of a token written at about 2 MB/s;
 * - HTTP/2 floods: rapid resets, SETTINGS and PING floods that never read, sessions that never ask,
 *   sessions opening more streams than they may;
 * - token floods (a token per message) and subscriptions to tokens nobody writes;
 * - bad lines: not JSON, too deep, longer than --max-line, a line a byte per chunk, lines begun and
 *   never ended.
 *
 * It reports whether the normal viewers got every message in order, whether the relay kept running
 * and stayed healthy, and its peak memory (the kernel's high-water mark) against the bound the
 * README documents for its limits: its own footprint at rest, plus --history-total,
 * --max-total-buffer and --max-total-line-buffer (and the hosted charts' and bodies' bounds), plus
 * the heap's growth past them (--heap-growth, `heapGrowthShare`), plus GC_SLACK_BYTES, plus
 * PER_CONNECTION_BYTES for each of --max-connections. Exits 1 when a check fails. `runHostileSuite` is what the test and the bench call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { DEFAULT_CHART_LIMITS } from '../src/relay/engines/chart-store.js';
import { DEFAULT_HEAP_GROWTH_PERCENT, MAX_TOTAL_BODY_BYTES } from '../src/relay/constants.js';
import { decodeEvents, runMessages, type RelayEvent } from '../src/shared/protocol.js';
import { selfSignedCertificate } from './certificate.js';
import { tcpTable } from './kernel-sockets.js';
import { FrameType, frame, headerBlock, rawSession, type RawSession } from './raw-h2.js';
import { startRelayProcess, type RelayProcess } from './relay-process.js';
import { sendRaw } from './send-raw.js';
import { sseReader } from './sse-reader.js';

/**
 * What one open connection (or HTTP/2 stream) may cost the relay besides the budgets: its socket,
 * TLS and HTTP state, a subscription or an ingest. Measured here: an idle TCP connection 7 KiB, an
 * idle TLS one 43 KiB, a WebSocket or SSE viewer of one token 25 to 31 KiB, a TLS viewer of 64
 * tokens 137 to 145 KiB, an HTTP/2 stream of 64 tokens 100 KiB; rounded up.
 */
export const PER_CONNECTION_BYTES = 160 * 1024;

/**
 * What the garbage collector and the allocator hold beyond what is live, besides the old
 * generation's growth (`heapGrowthShare`): V8's young generation (three 16 MiB semi-spaces at most)
 * and pages not yet given back.
 */
export const GC_SLACK_BYTES = 64 * 1024 * 1024;

const MiB = 1024 * 1024;

/** V8's own rule (--heap-growth 0) lets the heap reach four times what is live: three times it in garbage. */
const V8_OWN_GROWTH_SHARE = 3;

/**
 * The garbage the old generation may hold, as a share of what is live: the relay's --heap-growth
 * (a quarter by default), or V8's own rule's.
 */
export function heapGrowthShare(heapGrowthPercent: number): number {
  return heapGrowthPercent === 0 ? V8_OWN_GROWTH_SHARE : heapGrowthPercent / 100;
}

/** The collector's term of the bound, in words. */
export function collectorTerms(heapGrowthPercent: number): string {
  const growth =
    heapGrowthPercent === 0
      ? `${V8_OWN_GROWTH_SHARE} × the budgets: V8's own rule`
      : `${heapGrowthPercent} % of the budgets`;
  return `${GC_SLACK_BYTES / MiB} + ${growth}`;
}

export interface HostileLimits {
  historyTotalBytes: number;
  maxTotalBufferedBytes: number;
  maxTotalLineBytes: number;
  maxBufferedBytes: number;
  maxLineBytes: number;
  maxConnections: number;
}

export interface HostileOptions {
  seconds: number;
  limits: HostileLimits;
  /** Viewers of the firehose that stop reading (SSE over HTTP/1.1; a quarter as many WebSocket and HTTP/2 SSE too). */
  stuckViewers: number;
  /** What the firehose producer writes a second. */
  firehoseBytesPerSecond: number;
  /** Tokens written once each by the token flood. */
  floodTokens: number;
  /** The attacks to run (default: all of `HOSTILE_ATTACKS`), to look at one alone. */
  attacks?: readonly HostileAttack[];
  /** The relay's --heap-growth (default: the CLI's, DEFAULT_HEAP_GROWTH_PERCENT); 0 is V8's own rule. */
  heapGrowthPercent?: number;
  log?: (line: string) => void;
}

/** The kinds of hostile clients, by name. */
export const HOSTILE_ATTACKS = ['targets', 'prototypes', 'stuck', 'h2', 'tokens', 'lines', 'charts'] as const;
export type HostileAttack = (typeof HOSTILE_ATTACKS)[number];

export const DEFAULT_HOSTILE: HostileOptions = {
  seconds: 30,
  limits: {
    historyTotalBytes: 64 * MiB,
    maxTotalBufferedBytes: 64 * MiB,
    maxTotalLineBytes: 16 * MiB,
    maxBufferedBytes: 4 * MiB,
    maxLineBytes: MiB,
    maxConnections: 1000,
  },
  stuckViewers: 40,
  firehoseBytesPerSecond: 2 * MiB,
  floodTokens: 20_000,
};

export interface HostileReport {
  seconds: number;
  /** The normal producer's messages, and what each normal viewer got of them (in order, once each). */
  normal: { sent: number; websocket: number; sse: number; inOrder: boolean; viewersCut: number };
  relayExited: boolean;
  healthyAfter: boolean;
  /** Stuck viewers the relay still held a connection to at the end (it should hold none). */
  stuckHeld: number;
  /** The relay's side of each held one: its TCP state and the bytes it has queued. */
  stuckHeldStates: string[];
  stuckViewers: number;
  memory: {
    atRestMiB: number;
    peakMiB: number;
    boundMiB: number;
    budgetsMiB: number;
    /** 64 MiB and the heap's growth past the budgets. */
    gcSlackMiB: number;
    /** The relay's --heap-growth (0: V8's own rule). */
    heapGrowthPercent: number;
    connectionsMiB: number;
  };
  /** What each attack did, in numbers. */
  attacks: Record<string, number>;
  refused: Record<string, number>;
  internalErrors: number;
  /** Every check that failed, in words (empty: all passed). */
  failures: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const insecure = { rejectUnauthorized: false };

/** A viewer that reads everything of one token and checks the offsets come in order, once each. */
class NormalViewer {
  ys: number[] = [];
  lastOffset = 0;
  inOrder = true;
  cut = false;
  #close: () => void = () => undefined;

  onFrame(text: string): void {
    for (const event of decodeEvents(text).events as RelayEvent[]) {
      if (event.type !== 'run' && event.type !== 'data') continue;
      const messages = event.type === 'run' ? runMessages(event) : [event.message];
      messages.forEach((message, i) => {
        const offset = event.offset + i;
        if (offset !== this.lastOffset + 1) this.inOrder = false;
        this.lastOffset = offset;
        this.ys.push(Number((message as { y: number }).y));
      });
    }
  }

  static async websocket(url: string, token: string): Promise<NormalViewer> {
    const viewer = new NormalViewer();
    const socket = new WebSocket(`${url.replace('https', 'wss')}/subscribe?token=${token}&runs=1&columns=1`, insecure);
    socket.on('message', (data) => viewer.onFrame(data.toString()));
    socket.on('close', () => (viewer.cut = true));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    viewer.#close = () => {
      socket.removeAllListeners('close');
      socket.close();
    };
    return viewer;
  }

  static async sse(url: string, token: string): Promise<NormalViewer> {
    const viewer = new NormalViewer();
    await new Promise<void>((resolve, reject) => {
      const request = https.get(
        `${url}/subscribe?token=${token}&runs=1`,
        { headers: { accept: 'text/event-stream' }, ...insecure },
        (response) => {
          response.setEncoding('utf8');
          response.on('data', sseReader({ data: (data) => viewer.onFrame(data) }));
          response.on('close', () => (viewer.cut = true));
          viewer.#close = () => {
            response.removeAllListeners('close');
            request.destroy();
          };
          resolve();
        },
      );
      request.on('error', reject);
    });
    return viewer;
  }

  close(): void {
    this.#close();
  }
}

/** One POST of a whole body over a keep-alive agent; resolves the status (0 when it failed). */
function postOnce(agent: https.Agent, url: string, token: string | null, body: string, path = '/'): Promise<number> {
  return new Promise((resolve) => {
    const request = https.request(
      `${url}${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          ...(token === null ? {} : { 'plotly-streamtoken': token }),
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', () => resolve(0));
    request.end(body);
  });
}

/**
 * A chunked POST kept open: write lines as the caller likes; `end()` resolves the status. `token`
 * null: a multiplexed ingest (its lines name their tokens).
 */
function openPost(
  url: string,
  token: string | null,
  headers: Record<string, string> = {},
): { write(text: string): void; end(): Promise<number>; destroy(): void } {
  let resolveStatus: (status: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => (resolveStatus = resolve));
  const request = https.request(
    `${url}/`,
    {
      method: 'POST',
      headers: {
        ...(token === null ? {} : { 'plotly-streamtoken': token }),
        'transfer-encoding': 'chunked',
        ...headers,
      },
      ...insecure,
    },
    (response) => {
      response.resume();
      response.on('end', () => resolveStatus(response.statusCode ?? 0));
    },
  );
  request.on('error', () => resolveStatus(0));
  request.flushHeaders();
  return {
    write: (text) => {
      if (!request.destroyed) request.write(text);
    },
    end: () => {
      request.end();
      return status;
    },
    destroy: () => request.destroy(),
  };
}

export async function runHostileSuite(options: HostileOptions): Promise<HostileReport> {
  const log = options.log ?? (() => undefined);
  const l = options.limits;
  const heapGrowthPercent = options.heapGrowthPercent ?? DEFAULT_HEAP_GROWTH_PERCENT;
  const certDir = mkdtempSync(join(tmpdir(), 'hostile-'));
  selfSignedCertificate(certDir);
  const relay: RelayProcess = await startRelayProcess([
    '--tls-cert',
    join(certDir, 'cert.pem'),
    '--tls-key',
    join(certDir, 'key.pem'),
    '--history-total',
    String(l.historyTotalBytes),
    '--max-total-buffer',
    String(l.maxTotalBufferedBytes),
    '--max-total-line-buffer',
    String(l.maxTotalLineBytes),
    '--max-buffer',
    String(l.maxBufferedBytes),
    '--max-line',
    String(l.maxLineBytes),
    '--max-connections',
    String(l.maxConnections),
    '--heap-growth',
    String(heapGrowthPercent),
    '--headers-timeout',
    '2',
  ]);
  const url = relay.url.replace('127.0.0.1', 'localhost');
  const port = relay.port;
  const attacks: Record<string, number> = {};
  const count = (name: string, n = 1) => (attacks[name] = (attacks[name] ?? 0) + n);
  /** The first answers to a bad target that were not 400 (what went wrong, for the report). */
  const wrongAnswers: string[] = [];
  const failures: string[] = [];
  let running = true;
  const loops: Array<Promise<void>> = [];
  const every = (ms: number, body: () => Promise<void> | void) =>
    loops.push(
      (async () => {
        while (running) {
          try {
            await body();
          } catch {
            count('client errors');
          }
          await sleep(ms);
        }
      })(),
    );
  const cleanups: Array<() => void> = [];
  const on = (attack: HostileAttack) => (options.attacks ?? HOSTILE_ATTACKS).includes(attack);
  /** Each stuck HTTP/1.1 viewer's port, and its own socket's inode (0: not known, no /proc). */
  const stuckViewers: Array<{ port: number; inode: number }> = [];
  const stuckSockets: Array<{ destroy(): void }> = [];
  const h2: RawSession[] = [];
  const hoarders: Array<ReturnType<typeof openPost>> = [];

  // The relay at rest, with its TLS context and the CLI loaded: its own footprint.
  await sleep(500);
  const atRestMiB = relay.rssMiB();
  relay.resetPeak();

  // --- the normal producer and viewers ------------------------------------------------------------
  const normalWs = await NormalViewer.websocket(url, 'normal');
  const normalSse = await NormalViewer.sse(url, 'normal');
  const normalProducer = openPost(url, 'normal');
  let sent = 0;
  every(5, () => normalProducer.write(`{"y": ${++sent}}\n`));

  // --- request targets that are not URLs ------------------------------------------------------------
  if (on('targets')) {
    every(25, async () => {
      // A loaded relay on a shared machine may take seconds to answer: what counts is that no
      // answer is anything but 400 (unanswered ones are counted apart, and may be only a few).
      const answers = await Promise.all([
        sendRaw(port, 'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n', { tls: true, ms: 10_000 }),
        sendRaw(
          port,
          'GET //a:b@[:: HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
          { tls: true, ms: 10_000 },
        ),
      ]);
      count('bad targets', 2);
      for (const answer of answers) {
        if (answer === '') count('bad targets unanswered in 10 s');
        else if (!answer.startsWith('HTTP/1.1 400')) {
          count('bad targets not answered 400');
          wrongAnswers.push(answer.slice(0, 120));
        }
      }
    });
    const targetSession = http2.connect(url, insecure);
    targetSession.on('error', () => undefined);
    cleanups.push(() => targetSession.destroy());
    every(25, () => {
      if (targetSession.destroyed || targetSession.closed) return;
      const stream = targetSession.request({ ':path': '//[' });
      stream.on('error', () => undefined);
      stream.on('response', (headers) => {
        if (headers[':status'] !== 400) count('bad h2 paths not answered 400');
      });
      stream.resume();
      count('bad h2 paths');
    });
  }

  // --- producers that try to reach a prototype -------------------------------------------------------
  if (on('prototypes')) {
    const protoProducer = openPost(url, 'proto');
    cleanups.push(() => protoProducer.destroy());
    every(50, () => {
      protoProducer.write(
        '{"layout":{"__proto__":{"polluted":1}},"y":1}\n{"layout":{"constructor":{"prototype":{"polluted":1}}},"y":2}\n{"\\u005f_proto__":{"polluted":1},"y":3}\n',
      );
      count('prototype messages', 3);
    });
  }

  // --- hosted charts (/api/charts and Plotly's /clientresp): figures as big as allowed, until the
  // bounds answer; bodies that are not JSON -------------------------------------------------------
  if (on('charts')) {
    const chartAgent = new https.Agent({ keepAlive: true, maxSockets: 2, ...insecure });
    cleanups.push(() => chartAgent.destroy());
    const big = JSON.stringify({
      data: [{ y: Array.from({ length: 40_000 }, (_, i) => i) }],
      layout: { title: 'x'.repeat(1000) },
    });
    every(20, async () => {
      const status = await postOnce(chartAgent, url, null, big, '/api/charts');
      count(`charts answered ${status}`);
      await postOnce(chartAgent, url, null, `{"data": [${'['.repeat(5000)}`, '/api/charts');
      count('chart bodies not JSON');
      // Plotly's plot call: a new named chart each time, a file extended until it is too big, forms
      // that do not end or nest without end.
      const points = Array.from({ length: 20_000 }, (_, i) => i);
      const call = (kwargs: object) =>
        `un=x&key=y&args=${JSON.stringify([{ y: points }])}&kwargs=${JSON.stringify(kwargs)}`;
      count(
        `clientresp answered ${await postOnce(chartAgent, url, null, call({ filename: 'f', fileopt: 'new' }), '/clientresp')}`,
      );
      count(
        `clientresp answered ${await postOnce(chartAgent, url, null, call({ filename: 'grows', fileopt: 'extend' }), '/clientresp')}`,
      );
      await postOnce(
        chartAgent,
        url,
        null,
        `args=${'['.repeat(5000)}&kwargs={"__proto__": {"polluted": 1}}`,
        '/clientresp',
      );
      count('clientresp forms not JSON');
    });
  }

  // --- viewers that stop reading, of a firehose -------------------------------------------------------
  if (on('stuck')) {
    for (let i = 0; i < options.stuckViewers; i++) {
      const socket = tls.connect({ port, host: '127.0.0.1', ALPNProtocols: ['http/1.1'], ...insecure });
      socket.on('error', () => undefined);
      socket.once('secureConnect', () => {
        const own = socket.localPort as number;
        const inode = tcpTable().find((s) => s.localPort === own && s.remotePort === port)?.inode ?? 0;
        stuckViewers.push({ port: own, inode });
        socket.write('GET /subscribe?token=firehose HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
      });
      socket.once('data', () => socket.pause());
      stuckSockets.push(socket);
    }
    for (let i = 0; i < Math.ceil(options.stuckViewers / 4); i++) {
      const ws = new WebSocket(`${url.replace('https', 'wss')}/subscribe?token=firehose`, insecure);
      ws.on('error', () => undefined);
      ws.once('message', () => (ws as unknown as { _socket: { pause(): void } })._socket.pause());
      stuckSockets.push({ destroy: () => ws.terminate() });
    }
    const stuckSession = http2.connect(url, insecure);
    stuckSession.on('error', () => undefined);
    for (let i = 0; i < Math.ceil(options.stuckViewers / 4); i++) {
      const stream = stuckSession.request({ ':path': '/subscribe?token=firehose', accept: 'text/event-stream' });
      stream.on('error', () => undefined);
      stream.once('data', () => stream.pause());
    }
    cleanups.push(() => stuckSession.destroy());
    const firehose = openPost(url, 'firehose');
    cleanups.push(() => firehose.destroy());
    const firehoseLine = `{"y": 1, "text": "${'x'.repeat(1000)}"}\n`;
    const perTick = Math.max(1, Math.round(options.firehoseBytesPerSecond / 10 / firehoseLine.length));
    every(100, () => {
      firehose.write(firehoseLine.repeat(perTick));
      count('firehose bytes', perTick * firehoseLine.length);
    });
  }

  // --- HTTP/2 floods ---------------------------------------------------------------------------------
  if (on('h2')) {
    const openRaw = async (read: boolean) => {
      const session = await rawSession(port, { read });
      h2.push(session);
      return session;
    };
    every(200, async () => {
      // Rapid reset: streams opened and cancelled at once.
      const session = await openRaw(true);
      const frames: Buffer[] = [];
      for (let i = 0; i < 500; i++) {
        const id = 1 + 2 * i;
        frames.push(
          frame(FrameType.headers, 0x5, id, headerBlock('/subscribe?token=rr', { accept: 'text/event-stream' })),
        );
        frames.push(frame(FrameType.rstStream, 0, id, Buffer.from([0, 0, 0, 8])));
      }
      session.socket.write(Buffer.concat(frames));
      count('rapid resets', 500);
      await sleep(100);
      session.socket.destroy();
    });
    every(500, async () => {
      // SETTINGS and PING floods from sessions that never read.
      for (const type of [FrameType.settings, FrameType.ping]) {
        const session = await openRaw(false);
        const payload = type === FrameType.settings ? Buffer.from([0, 3, 0, 0, 0, 100]) : Buffer.alloc(8);
        session.socket.write(Buffer.concat(Array.from({ length: 5000 }, () => frame(type, 0, 0, payload))));
        count(type === FrameType.settings ? 'settings frames' : 'ping frames', 5000);
        setTimeout(() => session.socket.destroy(), 1000).unref();
      }
    });
    every(1000, async () => {
      // A session that never asks for anything, and one that opens more streams than it may.
      await openRaw(true);
      const greedy = await openRaw(true);
      const frames: Buffer[] = [];
      for (let i = 0; i < 200; i++)
        frames.push(
          frame(
            FrameType.headers,
            0x5,
            1 + 2 * i,
            headerBlock(`/subscribe?token=greedy-${i}`, { accept: 'text/event-stream' }),
          ),
        );
      greedy.socket.write(Buffer.concat(frames));
      count('silent sessions');
      count('greedy streams', 200);
      setTimeout(() => greedy.socket.destroy(), 1500).unref();
    });
  }

  // --- token floods ----------------------------------------------------------------------------------
  if (on('tokens')) {
    const floodAgent = new https.Agent({ keepAlive: true, maxSockets: 4, ...insecure });
    cleanups.push(() => floodAgent.destroy());
    let flooded = 0;
    for (let lane = 0; lane < 4; lane++)
      every(0, async () => {
        if (flooded >= options.floodTokens) {
          await sleep(100);
          return;
        }
        const token = `flood-${flooded++}`;
        await postOnce(floodAgent, url, token, '{"y":1}\n');
        count('flood tokens');
      });
    // A multiplexed ingest naming a new token in every line (one ingest writes at most 64), with a
    // time zone that is no zone (never cached).
    const multiplexed = openPost(url, null, { 'plotly-convertTimestamp': `"Nowhere/${'z'.repeat(60)}"` });
    cleanups.push(() => multiplexed.destroy());
    let named = 0;
    every(20, () => {
      const lines = Array.from({ length: 50 }, () => `{"x": 1, "y": 1, "streamtoken": "mux-${named++}"}\n`);
      multiplexed.write(lines.join(''));
      count('multiplexed tokens', 50);
    });
    every(300, async () => {
      // Subscriptions to 64 tokens nobody writes, and control messages that add and drop them.
      const tokens = Array.from({ length: 64 }, (_, i) => `never-${Math.random().toString(36).slice(2)}-${i}`);
      const ws = new WebSocket(
        `${url.replace('https', 'wss')}/subscribe?${tokens.map((t) => `token=${t}`).join('&')}`,
        insecure,
      );
      ws.on('error', () => undefined);
      ws.once('message', () => {
        ws.send(JSON.stringify({ type: 'unsubscribe', tokens: tokens.slice(0, 32) }));
        ws.send(JSON.stringify({ type: 'subscribe', tokens: Array.from({ length: 300 }, (_, i) => `bad token ${i}`) }));
      });
      count('never-written subscriptions', 64);
      setTimeout(() => ws.terminate(), 1000).unref();
    });
  }

  // --- bad lines ---------------------------------------------------------------------------------------
  if (on('lines')) {
    const badProducer = openPost(url, 'bad-lines');
    cleanups.push(() => badProducer.destroy());
    every(100, () => {
      badProducer.write(`not json\n[1,2]\n{"a":${'['.repeat(100)}${']'.repeat(100)}}\n{"y": 1}\n`);
      count('bad lines', 3);
    });
    every(2000, () => {
      // A line longer than --max-line, alone on its POST.
      const long = openPost(url, 'long-lines');
      long.write(`{"pad":"${'x'.repeat(l.maxLineBytes + 1024)}"}\n{"y":2}\n`);
      void long.end();
      count('over-long lines');
    });
    every(3000, async () => {
      // A line sent a byte per chunk (here a kilobyte of it: the cost per chunk is what counts).
      const slow = openPost(url, 'byte-chunks');
      const text = `{"pad":"${'x'.repeat(1000)}"}\n`;
      for (const byte of text) slow.write(byte);
      await slow.end();
      count('byte-chunk lines');
    });
    every(500, () => {
      // Lines begun and never ended, each just within --max-line.
      const hoarder = openPost(url, `hoard-${hoarders.length}`);
      hoarder.write(`{"pad":"${'x'.repeat(Math.floor(l.maxLineBytes * 0.9))}`);
      hoarders.push(hoarder);
      count('hoarded line bytes', Math.floor(l.maxLineBytes * 0.9));
    });
  }

  // --- run, then look ------------------------------------------------------------------------------------
  const started = Date.now();
  while (Date.now() - started < options.seconds * 1000) {
    await sleep(1000);
    if (!relay.alive()) break;
    log(
      `${Math.round((Date.now() - started) / 1000)} s: relay ${relay.rssMiB().toFixed(0)} MiB (peak ${relay.peakRssMiB().toFixed(0)}), normal ${normalWs.ys.length}/${sent}`,
    );
  }
  running = false;
  await Promise.all(loops);
  const relayExited = !relay.alive();
  const peakMiB = relayExited ? NaN : relay.peakRssMiB();
  normalProducer.write('{"y": -1}\n');
  sent++;
  await normalProducer.end();
  const deadline = Date.now() + 15_000;
  while ((normalWs.ys.length < sent || normalSse.ys.length < sent) && Date.now() < deadline) await sleep(100);

  // Stuck viewers: the relay holds no connection to any of them any more: connected, or closing
  // with bytes still queued. Only a viewer whose own socket (by inode) the kernel still lists is
  // looked up by its port: a port freed by a reset is often given to another client at once.
  const holding = new Set(['ESTABLISHED', 'FIN_WAIT1', 'CLOSING', 'CLOSE_WAIT', 'LAST_ACK']);
  const table = relayExited ? [] : tcpTable();
  const held = stuckViewers.flatMap(({ port: own, inode }) => {
    if (inode === 0 || !table.some((s) => s.inode === inode)) return [];
    const relaySide = table.find((s) => s.localPort === port && s.remotePort === own);
    return relaySide !== undefined && (holding.has(relaySide.state) || relaySide.sendQueue > 0) ? [relaySide] : [];
  });
  const stuckHeld = held.length;
  const stuckHeldStates = held.map((s) => `${s.state} (${s.sendQueue} queued)`);
  if (stuckHeld > 0) log(`held: ${stuckHeldStates.join(', ')}`);
  let healthyAfter = false;
  let refused: Record<string, number> = {};
  let internalErrors = 0;
  if (!relayExited) {
    const health = await new Promise<number>((resolve) => {
      const request = https.get(`${url}/healthz`, insecure, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', () => resolve(0));
    });
    healthyAfter = health === 200;
    const metrics = await new Promise<string>((resolve) => {
      const request = https.get(`${url}/metrics?format=json`, insecure, (response) => {
        let body = '';
        response.on('data', (d: Buffer) => (body += d));
        response.on('end', () => resolve(body));
      });
      request.on('error', () => resolve('{}'));
    });
    const parsed = JSON.parse(metrics) as { refused?: Record<string, number>; internalErrors?: number };
    refused = parsed.refused ?? {};
    internalErrors = parsed.internalErrors ?? 0;
  }

  normalWs.close();
  normalSse.close();
  for (const cleanup of cleanups) cleanup();
  for (const socket of stuckSockets) socket.destroy();
  for (const session of h2) session.socket.destroy();
  for (const hoarder of hoarders) hoarder.destroy();
  await relay.stop();
  rmSync(certDir, { recursive: true, force: true });

  // The hosted charts' bytes (DEFAULT_CHART_LIMITS) and the request bodies' allowance count too: the
  // suite's relay keeps the defaults.
  const budgetsMiB =
    (l.historyTotalBytes +
      l.maxTotalBufferedBytes +
      l.maxTotalLineBytes +
      DEFAULT_CHART_LIMITS.maxTotalBytes +
      MAX_TOTAL_BODY_BYTES) /
    MiB;
  const connectionsMiB = (l.maxConnections * PER_CONNECTION_BYTES) / MiB;
  // Live: the budgets, at most; garbage past them, the heap's growth.
  const gcSlackMiB = GC_SLACK_BYTES / MiB + heapGrowthShare(heapGrowthPercent) * budgetsMiB;
  const boundMiB = atRestMiB + budgetsMiB + gcSlackMiB + connectionsMiB;
  const expected = Array.from({ length: sent - 1 }, (_, i) => i + 1).concat(-1);
  const report: HostileReport = {
    seconds: options.seconds,
    normal: {
      sent,
      websocket: normalWs.ys.length,
      sse: normalSse.ys.length,
      inOrder: normalWs.inOrder && normalSse.inOrder,
      viewersCut: Number(normalWs.cut) + Number(normalSse.cut),
    },
    relayExited,
    healthyAfter,
    stuckHeld,
    stuckHeldStates,
    stuckViewers: stuckViewers.length,
    memory: { atRestMiB, peakMiB, boundMiB, budgetsMiB, gcSlackMiB, heapGrowthPercent, connectionsMiB },
    attacks,
    refused,
    internalErrors,
    failures,
  };
  if (relayExited) failures.push(`the relay exited:\n${relay.log().slice(-2000)}`);
  if (!healthyAfter) failures.push('/healthz did not answer 200 after the attacks');
  for (const [name, viewer] of [
    ['WebSocket', normalWs],
    ['SSE', normalSse],
  ] as const) {
    if (viewer.ys.length !== sent || viewer.ys.some((y, i) => y !== expected[i]))
      failures.push(`the normal ${name} viewer got ${viewer.ys.length} of ${sent} messages (or not in order)`);
  }
  if (!report.normal.inOrder) failures.push('a normal viewer saw offsets out of order');
  if (stuckHeld > 0) failures.push(`the relay still holds ${stuckHeld} connections to viewers that stopped reading`);
  if (!(peakMiB <= boundMiB))
    failures.push(`peak RSS ${peakMiB.toFixed(0)} MiB is over the bound ${boundMiB.toFixed(0)} MiB`);
  if (internalErrors > 0) failures.push(`${internalErrors} requests failed inside the relay`);
  for (const name of ['bad targets not answered 400', 'bad h2 paths not answered 400'])
    if ((attacks[name] ?? 0) > 0)
      failures.push(
        `${attacks[name]} ${name}${name.startsWith('bad targets') ? `: ${JSON.stringify(wrongAnswers.slice(0, 3))}` : ''}`,
      );
  const unanswered = attacks['bad targets unanswered in 10 s'] ?? 0;
  if (unanswered > 0.05 * (attacks['bad targets'] ?? 0))
    failures.push(`${unanswered} of ${attacks['bad targets']} bad targets unanswered in 10 s`);
  return report;
}

/** The report as a few lines of text. */
export function formatHostileReport(report: HostileReport): string {
  const m = report.memory;
  return [
    `hostile suite, ${report.seconds} s: ${report.failures.length === 0 ? 'passed' : 'FAILED'}`,
    `  normal viewers: WebSocket ${report.normal.websocket}/${report.normal.sent}, SSE ${report.normal.sse}/${report.normal.sent}, in order: ${report.normal.inOrder}`,
    `  relay: ${report.relayExited ? 'EXITED' : 'kept running'}, healthy after: ${report.healthyAfter}, internal errors: ${report.internalErrors}`,
    `  stuck viewers still held: ${report.stuckHeld} of ${report.stuckViewers}${report.stuckHeld > 0 ? ` (${report.stuckHeldStates.join(', ')})` : ''}`,
    `  memory: peak ${m.peakMiB.toFixed(0)} MiB of a bound of ${m.boundMiB.toFixed(0)} MiB (at rest ${m.atRestMiB.toFixed(0)} + budgets ${m.budgetsMiB.toFixed(0)} + collector ${m.gcSlackMiB.toFixed(0)} (${collectorTerms(m.heapGrowthPercent)}) + connections ${m.connectionsMiB.toFixed(0)})`,
    `  attacks: ${Object.entries(report.attacks)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  refused: ${Object.entries(report.refused)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    ...report.failures.map((f) => `  FAILED: ${f}`),
  ].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '30' },
      only: { type: 'string' },
      'heap-growth': { type: 'string' },
    },
  });
  const report = await runHostileSuite({
    ...DEFAULT_HOSTILE,
    seconds: Number(values.seconds),
    ...(values.only === undefined ? {} : { attacks: values.only.split(',') as HostileAttack[] }),
    ...(values['heap-growth'] === undefined ? {} : { heapGrowthPercent: Number(values['heap-growth']) }),
    log: (line) => console.log(line),
  });
  console.log(formatHostileReport(report));
  process.exit(report.failures.length === 0 ? 0 : 1);
}
