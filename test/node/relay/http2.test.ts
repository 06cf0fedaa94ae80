import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { createRelay, type Relay } from '../../../src/relay/index.js';
import { decodeEvents, type RelayEvent } from '../../../src/shared/protocol.js';
import { eventually, wsSubscribe } from '../../support/relay-clients.js';
import { selfSignedCertificate } from '../../../scripts/certificate.js';
import { sseReader } from '../../../scripts/sse-reader.js';

/** An SSE subscription as one stream of an HTTP/2 session; collects its events. */
function sseStream(session: http2.ClientHttp2Session, query: string) {
  const events: RelayEvent[] = [];
  const stream = session.request({ ':path': `/subscribe?${query}`, accept: 'text/event-stream' });
  const headers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.on('response', resolve));
  stream.setEncoding('utf8');
  stream.on('data', sseReader({ data: (data) => events.push(...decodeEvents(data).events) }));
  stream.on('error', () => undefined);
  return { events, headers, stream };
}

describe('HTTP/2 with TLS', () => {
  let relay: Relay;
  let url: string;
  before(async () => {
    relay = await createRelay({ port: 0, tls: selfSignedCertificate(), heartbeatMs: 500, log: () => undefined });
    url = `https://localhost:${relay.port}`;
  });
  after(async () => {
    await relay.close();
  });

  it('twenty SSE subscriptions share one HTTP/2 connection, each gets its points; ingest over HTTP/2 too', async () => {
    const session = http2.connect(url, { rejectUnauthorized: false });
    try {
      const viewers = Array.from({ length: 20 }, (_, i) => sseStream(session, `token=h2-${i}`));
      for (const viewer of viewers) {
        const headers = await viewer.headers;
        assert.equal(headers[':status'], 200);
        assert.equal(headers['connection'], undefined, 'no connection header over HTTP/2');
      }
      for (let i = 0; i < 20; i++) {
        const post = session.request({ ':method': 'POST', ':path': '/', 'plotly-streamtoken': `h2-${i}` });
        post.end(`{"y": ${i}}\n{"y": ${i + 1}}\n`);
        let body = '';
        post.setEncoding('utf8');
        post.on('data', (c: string) => (body += c));
        await new Promise((resolve) => post.on('end', resolve));
        assert.equal(JSON.parse(body).accepted, 2);
      }
      await eventually(
        () => viewers.every((v) => v.events.filter((e) => e.type === 'data').length === 2),
        'every viewer to get its two points',
      );
      assert.equal(relay.metrics.connections.sse, 20);
      for (const viewer of viewers) viewer.stream.close();
    } finally {
      session.close();
    }
  });

  it('answers refusals over HTTP/2 without breaking the session (401 ingest, a 409 takeover mid-body)', async () => {
    const session = http2.connect(url, { rejectUnauthorized: false });
    try {
      const first = session.request({ ':method': 'POST', ':path': '/', 'plotly-streamtoken': 'taken' });
      first.write('{"y": 1}\n');
      let answer = '';
      first.setEncoding('utf8');
      first.on('data', (c: string) => (answer += c));
      const status = new Promise<number>((resolve) => first.on('response', (h) => resolve(Number(h[':status']))));
      await new Promise((resolve) => setTimeout(resolve, 100)); // the first ingest is in
      const second = session.request({ ':method': 'POST', ':path': '/', 'plotly-streamtoken': 'taken' });
      second.end('{"y": 2}\n');
      assert.equal(await status, 409);
      await new Promise((resolve) => first.on('close', resolve));
      assert.match(answer, /took over/);
      const health = session.request({ ':path': '/healthz' });
      const healthStatus = await new Promise<number>((resolve) =>
        health.on('response', (h) => resolve(Number(h[':status']))),
      );
      health.resume();
      assert.equal(healthStatus, 200, 'the session is still good');
    } finally {
      session.close();
    }
  });

  it('WebSocket viewers upgrade over HTTP/1.1 on the same port', async () => {
    const viewer = await wsSubscribe(url, 'token=h2-ws');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    viewer.socket.close();
  });
});
