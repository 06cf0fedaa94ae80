/**
 * Feeds the element under test at a fixed input rate over a real WebSocket, speaking the relay's
 * protocol (reset + ready, then batched data events). After each data frame it sends a
 * `bench-clock` event (a type the element ignores) with the send time of token 0's last offset, so
 * the page can measure producer-to-frame latency.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { epochNow } from '../lib/stats.js';
import { serveRequests } from '../lib/processes.js';

const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
await new Promise<void>((resolve) => server.on('listening', () => resolve()));
const port = (server.address() as { port: number }).port;
const subscribers = new Set<{ socket: WebSocket; tokens: string[] }>();

server.on('connection', (socket, request) => {
  const tokens = new URL(request.url ?? '/', 'http://feeder').searchParams.getAll('token');
  const subscriber = { socket, tokens };
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
}

/** Offsets already used per token (a fill comes before the timed run). */
const used = new Map<string, number>();

/** Fills each token's window before timing starts, so the run measures the steady state. */
function fill(tokens: string[], count: number): void {
  const events: string[] = [];
  for (const token of tokens) {
    const start = used.get(token) ?? 0;
    for (let offset = start + 1; offset <= start + count; offset++) {
      events.push(
        `{"type":"data","token":"${token}","epoch":"e","offset":${offset},"message":{"x":${offset},"y":${(offset * 7919) % 1000}}}`,
      );
    }
    used.set(token, start + count);
  }
  for (const subscriber of subscribers) {
    const mine = events.filter((event) => subscriber.tokens.some((token) => event.includes(`"token":"${token}"`)));
    if (mine.length > 0) subscriber.socket.send(`[${mine.join(',')}]`);
  }
}

async function run({
  rate,
  seconds,
  tokens,
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
        const events: string[] = [];
        const byToken = new Map<string, string[]>();
        for (; sent < due; sent++) {
          const token = tokens[sent % tokens.length] as string;
          const offset = (offsets.get(token) as number) + 1;
          offsets.set(token, offset);
          const event = `{"type":"data","token":"${token}","epoch":"e","offset":${offset},"message":{"x":${offset},"y":${(offset * 7919) % 1000}}}`;
          events.push(event);
          let list = byToken.get(token);
          if (list === undefined) byToken.set(token, (list = []));
          list.push(event);
        }
        const frame = `[${events.join(',')}]`;
        const clock = `{"type":"bench-clock","t":${epochNow().toFixed(3)},"offset":${offsets.get(tokens[0] as string)}}`;
        for (const subscriber of subscribers) {
          // A subscriber gets its own tokens only, as from a relay (a chart per connection, say).
          const whole = subscriber.tokens.length >= tokens.length;
          const mine = whole ? frame : `[${subscriber.tokens.flatMap((t) => byToken.get(t) ?? []).join(',')}]`;
          if (mine !== '[]') subscriber.socket.send(mine);
          subscriber.socket.send(clock);
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
  if (message['op'] === 'subscribers') return subscribers.size;
  return null;
});
