/**
 * Many viewers in one process: WebSocket or SSE clients of one token. Frames are not fully parsed
 * (the crowd must cost less than the relay it measures): events are counted by their type marker,
 * and each frame's last event gives a latency sample (receive time - its producer's `t`).
 */
import http from 'node:http';
import { WebSocket } from 'ws';
import { epochNow } from '../lib/stats.js';
import { serveRequests } from '../lib/processes.js';

interface Client {
  received: number;
  /** Frames (WebSocket messages, SSE events) that carried data. */
  frames: number;
  latencies: number[];
  close(): void;
}

function onFrame(client: Client, frame: string): void {
  let count = 0;
  for (let at = frame.indexOf('"type":"data"'); at !== -1; at = frame.indexOf('"type":"data"', at + 13)) count++;
  if (count === 0) return;
  client.received += count;
  client.frames++;
  const t = frame.lastIndexOf('"t":');
  if (t !== -1 && client.latencies.length < 20000)
    client.latencies.push(epochNow() - Number.parseFloat(frame.slice(t + 4, t + 24)));
}

/** `token=` for each of the viewer's tokens (one, or a dashboard's many on one connection). */
const tokenQuery = (token: string | string[]) =>
  (Array.isArray(token) ? token : [token]).map((t) => `token=${encodeURIComponent(t)}`).join('&');

function openWs(url: string, token: string | string[], slow: boolean): Promise<Client> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/subscribe?${tokenQuery(token)}`, {
      perMessageDeflate: false,
    });
    const client: Client = { received: 0, frames: 0, latencies: [], close: () => socket.terminate() };
    socket.on('message', (data) => onFrame(client, data.toString()));
    socket.on('error', () => undefined);
    socket.on('open', () => {
      if (slow) (socket as unknown as { _socket: { pause(): void } })._socket.pause();
      resolve(client);
    });
  });
}

function openSse(url: string, token: string | string[]): Promise<Client> {
  return new Promise((resolve) => {
    const request = http.get(
      `${url}/subscribe?${tokenQuery(token)}`,
      { headers: { accept: 'text/event-stream' }, agent: false },
      (res) => {
        const client: Client = { received: 0, frames: 0, latencies: [], close: () => request.destroy() };
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            onFrame(client, buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        });
        resolve(client);
      },
    );
    request.on('error', () => undefined);
  });
}

let clients: Client[] = [];
let slowClient: Client | null = null;

serveRequests(async (message) => {
  if (message['op'] === 'open') {
    const url = message['url'] as string;
    const token = (message['tokens'] as string[] | undefined) ?? (message['token'] as string) ?? 'fan';
    const count = message['count'] as number;
    const kind = message['kind'] as 'websocket' | 'sse';
    clients = [];
    for (let i = 0; i < count; i += 50) {
      const batch = Array.from({ length: Math.min(50, count - i) }, () =>
        kind === 'sse' ? openSse(url, token) : openWs(url, token, false),
      );
      clients.push(...(await Promise.all(batch)));
    }
    slowClient = message['slow'] ? await openWs(url, token, true) : null;
    return clients.length;
  }
  if (message['op'] === 'reset') {
    for (const client of clients) {
      client.received = 0;
      client.frames = 0;
      client.latencies = [];
    }
    return true;
  }
  if (message['op'] === 'collect') {
    const latencies = clients.flatMap((c) => c.latencies);
    return {
      received: clients.reduce((a, c) => a + c.received, 0),
      frames: clients.reduce((a, c) => a + c.frames, 0),
      latencies:
        latencies.length > 50000
          ? latencies.filter((_, i) => i % Math.ceil(latencies.length / 50000) === 0)
          : latencies,
    };
  }
  if (message['op'] === 'close') {
    for (const client of clients) client.close();
    slowClient?.close();
    clients = [];
    return true;
  }
  return null;
});
