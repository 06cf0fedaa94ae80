import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { createRelay, type Relay } from '../../../../src/relay/index.js';
import { decodeEvents, type RelayEvent } from '../../../../src/shared/protocol.js';
import { eventually, wsSubscribe } from '../../../support/relay-clients.js';
import { selfSignedCertificate } from '../../../../scripts/certificate.js';
import { sseReader } from '../../../../scripts/sse-reader.js';
import { MAX_STREAMS_PER_SESSION } from '../../../../src/relay/constants.js';
import { FrameType, frame, headerBlock, rawSession } from '../../../../scripts/raw-h2.js';

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

describe('hostile HTTP/2 sessions', () => {
  const certificate = selfSignedCertificate();
  const sseHeaders = { accept: 'text/event-stream' };

  it('a session that never sends a request is closed at the headers deadline; so is one idle after its streams', async () => {
    const relay = await createRelay({ port: 0, tls: certificate, headersTimeoutMs: 400, log: () => undefined });
    try {
      const silent = await rawSession(relay.port);
      const started = Date.now();
      await silent.closed;
      assert.ok(Date.now() - started < 3000, 'closed within the deadline (and its grace)');
      assert.ok(silent.frames.includes(FrameType.goaway), 'told with a GOAWAY');
      assert.equal(relay.metrics.refused['headers-timeout'], 1);
      // A session that made a request and then sits idle goes the same way.
      const session = http2.connect(`https://localhost:${relay.port}`, { rejectUnauthorized: false });
      const closed = new Promise<void>((resolve) => session.on('close', () => resolve()));
      const health = session.request({ ':path': '/healthz' });
      health.resume();
      await new Promise((resolve) => health.on('close', resolve));
      await closed;
      // A session with a stream open (a viewer) is not idle: it stays.
      const viewerSession = http2.connect(`https://localhost:${relay.port}`, { rejectUnauthorized: false });
      const viewer = sseStream(viewerSession, 'token=h2-kept');
      await viewer.headers;
      await new Promise((resolve) => setTimeout(resolve, 1200));
      assert.equal(viewerSession.closed || viewerSession.destroyed, false);
      viewer.stream.close();
      viewerSession.close();
    } finally {
      await relay.close();
    }
  });

  it('streams count as connections: past --max-connections a stream gets 503, the session goes on', async () => {
    const relay = await createRelay({ port: 0, tls: certificate, maxConnections: 6, log: () => undefined });
    const session = http2.connect(`https://localhost:${relay.port}`, { rejectUnauthorized: false });
    try {
      // The session is one connection; five viewer streams fill the cap.
      const viewers = Array.from({ length: 5 }, (_, i) => sseStream(session, `token=cap-${i}`));
      for (const viewer of viewers) assert.equal((await viewer.headers)[':status'], 200);
      const refused = sseStream(session, 'token=cap-6');
      const headers = await refused.headers;
      assert.equal(headers[':status'], 503);
      assert.equal(headers['retry-after'], '5');
      assert.equal(relay.metrics.connections.sse, 5);
      assert.equal(relay.metrics.refused['connections'], 1);
      viewers[0]?.stream.close();
      await eventually(() => relay.metrics.connections.sse === 4, 'a viewer to leave');
      const again = sseStream(session, 'token=cap-7');
      assert.equal((await again.headers)[':status'], 200, 'a stream that ended frees its place');
    } finally {
      session.destroy();
      await relay.close();
    }
  });

  it(`one session holds at most ${MAX_STREAMS_PER_SESSION} streams at once: the rest are refused (REFUSED_STREAM)`, async () => {
    const relay = await createRelay({ port: 0, tls: certificate, log: () => undefined });
    const raw = await rawSession(relay.port);
    try {
      const frames: Buffer[] = [];
      for (let i = 0; i < 300; i++)
        frames.push(frame(FrameType.headers, 0x5, 1 + 2 * i, headerBlock(`/subscribe?token=many-${i}`, sseHeaders)));
      raw.socket.write(Buffer.concat(frames));
      await eventually(
        () => raw.frames.filter((f) => f === FrameType.rstStream).length >= 300 - MAX_STREAMS_PER_SESSION,
        'the refusals',
      );
      await eventually(() => relay.metrics.connections.sse === MAX_STREAMS_PER_SESSION, 'the streams it holds');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(relay.metrics.connections.sse, MAX_STREAMS_PER_SESSION);
    } finally {
      raw.socket.destroy();
      await relay.close();
    }
  });
});
