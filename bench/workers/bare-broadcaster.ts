/**
 * The floor for fan-out: a bare `ws` server that makes the same frames the relay sends and
 * broadcasts them, with no ingest, no history, no per-subscriber queue. Two ways: a frame per
 * message (what a plain broadcaster does, and what the goal is set against), or, like the
 * relay, the messages due every 2 ms batched into one frame (a stricter floor).
 */
import { WebSocketServer } from 'ws';
import { epochNow } from '../lib/stats.js';
import { serveRequests, usage } from '../lib/processes.js';

const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
await new Promise<void>((resolve) => server.on('listening', () => resolve()));
const port = (server.address() as { port: number }).port;

serveRequests(async (message) => {
  if (message['op'] === 'url') return `http://127.0.0.1:${port}`;
  if (message['op'] === 'usage') return usage();
  if (message['op'] === 'run') {
    const rate = message['rate'] as number;
    const seconds = message['seconds'] as number;
    const payload = message['payload'] as string;
    const perMessage = message['perMessage'] === true;
    const start = performance.now();
    let sent = 0;
    let offset = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = (performance.now() - start) / 1000;
        const due = Math.min(Math.floor(elapsed * rate), Math.floor(seconds * rate));
        const events: string[] = [];
        for (; sent < due; sent++) {
          events.push(
            `{"type":"data","token":"fan","epoch":"e","offset":${++offset},"message":{"y":${sent},"t":${epochNow().toFixed(3)},"p":"${payload}"}}`,
          );
        }
        if (perMessage) {
          for (const event of events) for (const client of server.clients) client.send(event);
        } else if (events.length > 0) {
          const frame = events.length === 1 ? (events[0] as string) : `[${events.join(',')}]`;
          for (const client of server.clients) client.send(frame);
        }
        if (elapsed >= seconds) {
          clearInterval(tick);
          resolve();
        }
      }, 2);
    });
    return sent;
  }
  return null;
});
