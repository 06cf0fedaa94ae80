/** A producer the Plotly way: chunked POSTs of NDJSON lines to the relay, flooding or at a rate. */
import http from 'node:http';
import { epochNow } from '../lib/stats.js';
import { serveRequests } from '../lib/processes.js';

function openPost(url: string, token: string) {
  const request = http.request(`${url}/`, {
    method: 'POST',
    headers: { 'plotly-streamtoken': token, 'transfer-encoding': 'chunked' },
    agent: false,
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
  return { request, response };
}

/** Writes `lines` lines into one POST as fast as the socket takes them; resolves with lines/s. */
async function flood(url: string, token: string, lines: number): Promise<{ seconds: number; accepted: number }> {
  const { request, response } = openPost(url, token);
  const batch = 1000;
  const start = performance.now();
  for (let i = 0; i < lines; i += batch) {
    let chunk = '';
    for (let j = i; j < Math.min(lines, i + batch); j++) chunk += `{"x":${j},"y":${j % 97}}\n`;
    if (!request.write(chunk)) await new Promise((r) => request.once('drain', r));
  }
  request.end();
  const result = await response;
  const seconds = (performance.now() - start) / 1000;
  return { seconds, accepted: JSON.parse(result.body).accepted as number };
}

/**
 * Every 2 ms, hands `send` the numbers of the messages due since (`rate` a second for `seconds`);
 * resolves with how many were sent.
 */
function pace(rate: number, seconds: number, send: (from: number, to: number) => void): Promise<number> {
  const start = performance.now();
  let sent = 0;
  return new Promise((resolve) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - start) / 1000;
      const due = Math.min(Math.floor(elapsed * rate), Math.floor(seconds * rate));
      if (due > sent) {
        send(sent, due);
        sent = due;
      }
      if (elapsed >= seconds) {
        clearInterval(tick);
        resolve(sent);
      }
    }, 2);
  });
}

/** Sends `rate` messages a second for `seconds`, each with its send time in `t`. */
async function paced(url: string, token: string, rate: number, seconds: number, payload: string): Promise<number> {
  const { request, response } = openPost(url, token);
  const sent = await pace(rate, seconds, (from, to) => {
    let chunk = '';
    for (let y = from; y < to; y++) chunk += `{"y":${y},"t":${epochNow().toFixed(3)},"p":"${payload}"}\n`;
    request.write(chunk);
  });
  request.end();
  await response;
  return sent;
}

/**
 * One ingest per token, `rate` lines a second in all, each line written alone as soon as it is due
 * (as sensors write: a line at a time), with its send time in `t`.
 */
async function pacedMany(url: string, tokens: string[], rate: number, seconds: number): Promise<number> {
  const posts = tokens.map((token) => openPost(url, token));
  const sent = await pace(rate, seconds, (from, to) => {
    for (let y = from; y < to; y++) posts[y % posts.length]?.request.write(`{"y":${y},"t":${epochNow().toFixed(3)}}\n`);
  });
  for (const post of posts) post.request.end();
  await Promise.all(posts.map((post) => post.response));
  return sent;
}

serveRequests(async (message) => {
  const url = message['url'] as string;
  if (message['op'] === 'flood') return flood(url, message['token'] as string, message['lines'] as number);
  if (message['op'] === 'flood-many') {
    const producers = message['producers'] as number;
    const lines = message['lines'] as number;
    const start = performance.now();
    const results = await Promise.all(
      Array.from({ length: producers }, (_, i) => flood(url, `${message['token']}${i}`, lines)),
    );
    return { seconds: (performance.now() - start) / 1000, accepted: results.reduce((a, r) => a + r.accepted, 0) };
  }
  if (message['op'] === 'paced-many')
    return pacedMany(url, message['tokens'] as string[], message['rate'] as number, message['seconds'] as number);
  if (message['op'] === 'paced')
    return paced(
      url,
      message['token'] as string,
      message['rate'] as number,
      message['seconds'] as number,
      message['payload'] as string,
    );
  return null;
});
