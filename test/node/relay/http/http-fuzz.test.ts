/**
 * Malformed and hostile HTTP thrown at a running relay while a good producer streams: the relay
 * stays up, answers or closes each bad connection, and the viewer gets every good line in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createRelay } from '../../../../src/relay/index.js';
import { sendRaw } from '../../../../scripts/send-raw.js';
import { get, openIngest, sseSubscribe, wsSubscribe } from '../../../support/relay-clients.js';

const post = (headers: string, body = '') =>
  `POST / HTTP/1.1\r\nHost: relay\r\nplotly-streamtoken: fuzz\r\n${headers}\r\n${body}`;

/** Requests a careless or hostile client sends, each on a connection of its own. */
const HOSTILE: string[] = [
  post('Transfer-Encoding: chunked\r\n', 'ZZ\r\nabc\r\n'), // a chunk size that is not hex
  post('Transfer-Encoding: chunked\r\n', 'FFFFFFFFFFFFFFFF\r\nabc\r\n'), // a chunk size past any limit
  post('Transfer-Encoding: chunked\r\n', '5\r\n{"y":1}\r\n'), // a chunk longer than it says
  post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n'), // both: smuggling
  post('Transfer-Encoding: chunked, identity\r\n', '7\r\n{"y":1}\r\n0\r\n\r\n'),
  post('Transfer-Encoding : chunked\r\n', '7\r\n{"y":1}\r\n0\r\n\r\n'),
  post('Content-Length: 5\r\nContent-Length: 50\r\n', '{"y":1}'),
  post('Content-Length: -1\r\n'),
  post(`X-Huge: ${'a'.repeat(100_000)}\r\n`),
  post(`${Array.from({ length: 3000 }, (_, i) => `X-${i}: 1\r\n`).join('')}`),
  'POST / HTTP/1.1\r\nHost: relay\r\nplotly-streamtoken: a\u0000b\r\nContent-Length: 2\r\n\r\n{}',
  'GET /sub\u0000scribe HTTP/1.1\r\nHost: relay\r\n\r\n',
  `GET /subscribe?${'token=a&'.repeat(2000)} HTTP/1.1\r\nHost: relay\r\nAccept: text/event-stream\r\n\r\n`,
  `GET /subscribe?token=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: relay\r\n\r\n`,
  'GET /subscribe?token=a HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: nope\r\nSec-WebSocket-Version: 13\r\n\r\n',
  'GET /subscribe?token=a HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n',
  'GET /subscribe?token=a&resume=a:%00:1&resume=::::&resume=a:e:99999999999999999999 HTTP/1.1\r\nHost: relay\r\nAccept: text/event-stream\r\nLast-Event-ID: \u00ff\u00fe\r\n\r\n',
  post(
    'Transfer-Encoding: chunked\r\n',
    `${(100_000 * 2 + 7).toString(16)}\r\n{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}\r\n0\r\n\r\n`,
  ),
  post('Content-Length: 41\r\n', '{"__proto__":{"polluted":1},"y":1}\n{"x":1}'),
  post('Content-Length: 60\r\n', '{"constructor":{"prototype":{"polluted":1}},"y":[1,2,3]}\n\u0000\n'),
  post('Content-Length: 10\r\n', '\u0000\u0001\u0002\u001b[2J\r\n\u0007'),
  'HTTP/1.1 200 OK\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: relay\r\n\r\n',
  'CONNECT relay:443 HTTP/1.1\r\nHost: relay\r\n\r\n',
  'GET / HTTP/9.9\r\nHost: relay\r\n\r\n',
  '\r\n\r\n\r\n\r\n',
];

/** Sends bytes on a new connection and ends it, reads until the relay closes it (or gives up after `ms`). */
const throwAt = (port: number, bytes: string | Uint8Array, ms = 2000) =>
  sendRaw(port, bytes, { ms, end: true, firstAnswer: false });

describe('hostile HTTP at a running relay', () => {
  it(
    'keeps serving: the viewer gets every good line in order while malformed requests fly',
    { timeout: 120_000 },
    async () => {
      const logs: string[] = [];
      const relay = await createRelay({ port: 0, headersTimeoutMs: 1000, log: (l) => logs.push(l) });
      try {
        const viewer = await wsSubscribe(relay.url, 'token=good');
        const sseViewer = await sseSubscribe(relay.url, 'token=good');
        await viewer.until((e) => e.some((x) => x.type === 'ready'));
        await sseViewer.until((e) => e.some((x) => x.type === 'ready'));
        const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'good' });
        const total = 2000;
        let written = 0;
        const writing = new Promise<void>((resolve) => {
          const tick = setInterval(() => {
            for (let i = 0; i < 20 && written < total; i++) producer.write(`{"y": ${++written}}\n`);
            if (written >= total) {
              clearInterval(tick);
              resolve();
            }
          }, 2);
        });
        // Every hostile request, and random bytes, several at a time, while the producer writes.
        const random = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 2000 }), { numRuns: 150, seed: 42 });
        const prefixed = fc.sample(fc.uint8Array({ maxLength: 500 }), { numRuns: 50, seed: 7 });
        const attacks: Array<string | Uint8Array> = [
          ...HOSTILE,
          ...HOSTILE,
          ...random,
          ...prefixed.map((b) => Buffer.concat([Buffer.from(post('Transfer-Encoding: chunked\r\n')), b])),
        ];
        const answers: string[] = [];
        for (let i = 0; i < attacks.length; i += 8)
          answers.push(...(await Promise.all(attacks.slice(i, i + 8).map((a) => throwAt(relay.port, a)))));
        await writing;
        producer.end();
        const result = await producer.result;
        assert.equal(result.status, 200, result.body);
        assert.equal(JSON.parse(result.body).accepted, total);
        await viewer.untilMessages(total, 20_000);
        await sseViewer.untilMessages(total, 20_000);
        const expected = Array.from({ length: total }, (_, i) => i + 1);
        assert.deepEqual(
          viewer.messages.map((m) => m['y']),
          expected,
        );
        assert.deepEqual(
          sseViewer.messages.map((m) => m['y']),
          expected,
        );
        // Each hostile request got an answer or a close, never a 5xx from a crash; the relay is healthy.
        for (const answer of answers) assert.doesNotMatch(answer, /^HTTP\/1\.1 500/);
        assert.ok(answers.some((a) => /^HTTP\/1\.1 400/.test(a)));
        assert.ok(answers.some((a) => /^HTTP\/1\.1 431/.test(a)));
        assert.equal((await get(`${relay.url}/healthz`)).status, 200);
        assert.equal(({} as Record<string, unknown>)['polluted'], undefined, 'no prototype was polluted');
        // The log took the flood within its budget, with escaped bytes.
        // eslint-disable-next-line no-control-regex
        for (const line of logs) assert.doesNotMatch(line, /[\u0000-\u0008\u001b]/);
        viewer.socket.close();
        sseViewer.close();
      } finally {
        await relay.close();
      }
    },
  );
});
