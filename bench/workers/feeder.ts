/**
 * Feeds the element under test at a fixed input rate over a real WebSocket, speaking the relay's
 * protocol with its encoders (reset + ready, then at each tick a token's new messages: runs with
 * columns for a subscriber that asked with `runs=1&columns=1`, built from its own values, byte for
 * byte what the relay builds from the messages' texts (unless told to send no columns, as a relay
 * that does not know them), one `run` event per token for one that asked with `runs=1`, as the
 * relay sends them, else `data` events). After each data frame it sends a `bench-clock` event (a
 * type the element ignores) with the send time of token 0's last offset, so the page can measure
 * producer-to-frame latency; a run told `clock: false` sends none (the dashboard, which does not
 * measure latency: a clock on each of fifty connections every tick was most of their messages).
 */
import { WebSocketServer, type WebSocket } from 'ws';
import {
  encodeColumnRuns,
  encodeColumnsRun,
  encodeData,
  encodeFrame,
  encodeRun,
  MIN_COLUMNS_RUN,
} from '../../src/shared/protocol.js';
import { epochNow } from '../lib/stats.js';
import { serveRequests } from '../lib/processes.js';

const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
await new Promise<void>((resolve) => server.on('listening', () => resolve()));
const port = (server.address() as { port: number }).port;
type Wire = 'data' | 'runs' | 'columns';
const subscribers = new Set<{ socket: WebSocket; tokens: string[]; wire: Wire }>();
/** False: runs are sent without columns even to a subscriber that asks for them (an older relay). */
let columnsOn = true;

server.on('connection', (socket, request) => {
  const query = new URL(request.url ?? '/', 'http://feeder').searchParams;
  const tokens = query.getAll('token');
  const runs = query.get('runs') === '1';
  const wire: Wire = runs && query.get('columns') === '1' ? 'columns' : runs ? 'runs' : 'data';
  const subscriber = { socket, tokens, wire };
  subscribers.add(subscriber);
  socket.on('close', () => subscribers.delete(subscriber));
  socket.send(
    JSON.stringify([...tokens.map((token) => ({ type: 'reset', token, epoch: 'e', offset: 0 })), { type: 'ready' }]),
  );
});

interface Run {
  rate: number;
  seconds: number;
  tokens: string[];
  /** False: no `bench-clock` events (true by default). */
  clock?: boolean;
}

/** Offsets already used per token (a fill comes before the timed run). */
const used = new Map<string, number>();

/**
 * y at an offset: `noise` jumps anywhere in 0..1000 from one point to the next (the worst case for
 * drawing a line), `wave` is a slow wave with a small ripple (a sensor). bench/page/bench.js has the
 * same two for the floor.
 */
const SIGNALS = {
  noise: (i: number) => (i * 7919) % 1000,
  wave: (i: number) => Math.round(500 + 400 * Math.sin(i / 3000) + 30 * Math.sin(i / 17)),
};
let signal: (offset: number) => number = SIGNALS.noise;

/** The message at an offset: x is the offset (the page checks windows by it), y the signal. */
const messageText = (offset: number) => `{"x":${offset},"y":${signal(offset)}}`;

/** A token's messages from offset `first` on, `count` of them: their texts. */
const texts = (first: number, count: number) => Array.from({ length: count }, (_, i) => messageText(first + i));

/**
 * Columns straight from the values this feeder makes (x the offset, y the signal): the bytes the
 * relay's `encodeColumnRuns` makes from the messages' texts (checked on the first call), without its
 * cost. The feeder stands in for a relay on another machine; the relay's cost of columns has its
 * own row.
 */
function columnsOf(token: string, first: number, count: number, time: number): string {
  const xs = new Array<string>(count);
  const ys = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    xs[i] = String(first + i);
    ys[i] = String(signal(first + i));
  }
  return encodeColumnsRun(token, 'e', first, new Array<number>(count).fill(time), ['"x"', '"y"'], [xs, ys]);
}
let columnsChecked = false;

/** A token's new messages as the relay would send them to a subscriber: runs with columns, one run, or data events. */
function encodeFor(wire: Wire, token: string, first: number, messages: string[], time: number): string[] {
  const times = () => new Array<number>(messages.length).fill(time);
  if (wire === 'columns' && columnsOn && messages.length >= MIN_COLUMNS_RUN) {
    const event = columnsOf(token, first, messages.length, time);
    if (!columnsChecked) {
      const relays = encodeColumnRuns(token, 'e', first, times(), messages);
      if (relays.length !== 1 || relays[0] !== event) throw new Error("feeder: its columns differ from the relay's");
      columnsChecked = true;
    }
    return [event];
  }
  if (wire === 'columns' && columnsOn) return encodeColumnRuns(token, 'e', first, times(), messages);
  if (wire !== 'data') return [encodeRun(token, 'e', first, times(), messages)];
  return messages.map((text, i) => encodeData(token, 'e', first + i, time, text));
}

/** Fills each token's window before timing starts, so the run measures the steady state. */
function fill(tokens: string[], count: number): void {
  const time = Math.round(epochNow());
  const starts = new Map(tokens.map((token) => [token, used.get(token) ?? 0]));
  for (const token of tokens) used.set(token, (starts.get(token) as number) + count);
  for (const subscriber of subscribers) {
    const mine = tokens.filter((token) => subscriber.tokens.includes(token));
    const events = mine.flatMap((token) =>
      encodeFor(
        subscriber.wire,
        token,
        (starts.get(token) as number) + 1,
        texts((starts.get(token) as number) + 1, count),
        time,
      ),
    );
    if (events.length > 0) subscriber.socket.send(encodeFrame(events));
  }
}

async function run({
  rate,
  seconds,
  tokens,
  clock: clocked = true,
}: Run): Promise<{ sent: number; lastOffsets: Record<string, number>; behindMs: number }> {
  const offsets = new Map(tokens.map((t) => [t, used.get(t) ?? 0]));
  const start = performance.now();
  const total = Math.floor(rate * seconds);
  let sent = 0;
  let behindMs = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) / 1000) * rate));
      if (due > sent) {
        // This tick's new messages per token, as consecutive offsets.
        const fresh = new Map<string, { first: number; messages: string[] }>();
        for (; sent < due; sent++) {
          const token = tokens[sent % tokens.length] as string;
          const offset = (offsets.get(token) as number) + 1;
          offsets.set(token, offset);
          let run = fresh.get(token);
          if (run === undefined) fresh.set(token, (run = { first: offset, messages: [] }));
          run.messages.push(messageText(offset));
        }
        const time = Math.round(epochNow());
        const clock = `{"type":"bench-clock","t":${epochNow().toFixed(3)},"offset":${offsets.get(tokens[0] as string)}}`;
        const frames = new Map<string, string>();
        for (const subscriber of subscribers) {
          // A subscriber gets its own tokens only, as from a relay (a chart per connection, say).
          const key = `${subscriber.wire}|${subscriber.tokens.join(',')}`;
          let frame = frames.get(key);
          if (frame === undefined) {
            const events = subscriber.tokens.flatMap((token) => {
              const run = fresh.get(token);
              return run === undefined ? [] : encodeFor(subscriber.wire, token, run.first, run.messages, time);
            });
            frame = events.length === 0 ? '' : encodeFrame(events);
            frames.set(key, frame);
          }
          if (frame !== '') subscriber.socket.send(frame);
          if (clocked) subscriber.socket.send(clock);
        }
        // How far the generator itself ran behind its schedule (it shares the machine).
        behindMs = Math.max(behindMs, now - start - (sent / rate) * 1000);
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 4);
    };
    tick();
  });
  for (const [token, offset] of offsets) used.set(token, offset);
  return { sent, lastOffsets: Object.fromEntries(offsets), behindMs };
}

serveRequests(async (message) => {
  if (message['op'] === 'url') return `ws://127.0.0.1:${port}`;
  if (message['op'] === 'run') return run(message as unknown as Run);
  if (message['op'] === 'fill') return fill(message['tokens'] as string[], message['count'] as number);
  if (message['op'] === 'forget') return used.clear();
  if (message['op'] === 'signal') return void (signal = SIGNALS[message['signal'] as keyof typeof SIGNALS]);
  if (message['op'] === 'columns') return void (columnsOn = message['on'] === true);
  if (message['op'] === 'subscribers') return subscribers.size;
  return null;
});
