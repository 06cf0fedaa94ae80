import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRelay, type MemoryEngine, type Relay } from '../../../src/relay/index.js';
import { eventually, get, openIngest, post, sseSubscribe, wsSubscribe } from '../../support/relay-clients.js';

describe('relay routes', () => {
  let relay: Relay;
  before(async () => {
    relay = await createRelay({ port: 0, log: () => undefined });
  });
  after(async () => {
    await relay.close();
  });

  it('answers /healthz, CORS preflight and 404', async () => {
    const health = await get(`${relay.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok', engine: 'memory' });
    const preflight = await get(
      `${relay.url}/`,
      { origin: 'http://page.test', 'access-control-request-method': 'POST' },
      'OPTIONS',
    );
    assert.equal(preflight.status, 204);
    assert.match(String(preflight.headers['access-control-allow-headers']), /plotly-streamtoken/);
    const missing = await get(`${relay.url}/nothing`);
    assert.equal(missing.status, 404);
    assert.match(missing.body, /POST \//);
  });
});

describe('relay shutdown', () => {
  it('ends ingests with 503 and their summary, closes subscribers with a reason', async () => {
    const relay = await createRelay({ port: 0, log: () => undefined });
    const ws = await wsSubscribe(relay.url, 'token=bye');
    const sse = await sseSubscribe(relay.url, 'token=bye');
    const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'bye' });
    producer.write('{"y": 1}\n');
    await ws.untilMessages(1);
    await sse.untilMessages(1);
    await relay.close();
    const result = await producer.result;
    assert.equal(result.status, 503);
    assert.equal(JSON.parse(result.body).accepted, 1);
    assert.match(JSON.parse(result.body).closed, /shutting down/);
    const closed = await ws.closed;
    assert.equal(closed.code, 1001);
    assert.match(closed.reason, /shutting down/);
    await sse.ended;
    assert.ok(sse.events.some((e) => e.type === 'error' && /shutting down/.test(e.message)));
  });
});

describe('pages and origins', () => {
  let relay: Relay;
  before(async () => {
    relay = await createRelay({ port: 0, allowOrigin: 'https://app.example.com', log: () => undefined });
  });
  after(async () => {
    await relay.close();
  });
  const evil = { origin: 'https://evil.example' };

  it('refuses a page that is not allowed so that the page can read why: WebSocket 4403, SSE 403 with JSON it may read', async () => {
    const reason =
      'origin not allowed: start the relay with --allow-origin https://evil.example to serve pages at https://evil.example';
    // The upgrade is accepted and closed at once: a browser shows a page nothing of a refused upgrade.
    const ws = await wsSubscribe(relay.url, 'token=o', evil);
    assert.deepEqual(await ws.closed, { code: 4403, reason });
    assert.deepEqual(ws.events, [], 'nothing of the stream');
    const sse = await get(`${relay.url}/subscribe?token=o`, { accept: 'text/event-stream', ...evil });
    assert.equal(sse.status, 403);
    assert.deepEqual(JSON.parse(sse.body), { error: 'forbidden', reason });
    // The page may read the refusal (its body is only the reason), though it may not use the relay.
    assert.equal(sse.headers['access-control-allow-origin'], 'https://evil.example');
    // A page opened from disk (Origin: null) is told what to start the relay with.
    const fromDisk = await wsSubscribe(relay.url, 'token=o', { origin: 'null' });
    assert.deepEqual(await fromDisk.closed, {
      code: 4403,
      reason: 'origin not allowed: start the relay with --allow-origin null to serve pages at null',
    });
    // An origin too long for a close reason still gets one the protocol allows.
    const long = await wsSubscribe(relay.url, 'token=o', { origin: `https://${'a'.repeat(200)}.example` });
    const closed = await long.closed;
    assert.equal(closed.code, 4403);
    assert.ok(Buffer.byteLength(closed.reason) <= 123);
    assert.match(closed.reason, /^origin not allowed: start the relay with --allow-origin/);
    assert.equal(relay.metrics.connections.websocket, 0);
  });

  it('refuses a browser ingest from such a page, stores nothing, and answers its preflight without CORS', async () => {
    const viewer = await wsSubscribe(relay.url, 'token=o');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    const refused = await post(`${relay.url}/`, '{"y": 666}\n', { 'plotly-streamtoken': 'o', ...evil });
    assert.equal(refused.status, 403);
    const preflight = await get(`${relay.url}/`, { ...evil, 'access-control-request-method': 'POST' }, 'OPTIONS');
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    // A producer that is not a page (no Origin) writes as before.
    assert.equal((await post(`${relay.url}/`, '{"y": 1}\n', { 'plotly-streamtoken': 'o' })).status, 200);
    await viewer.untilMessages(1);
    assert.deepEqual(viewer.messages, [{ y: 1 }]);
    viewer.socket.close();
  });

  it('serves allowed and loopback pages, echoing their origin (never *)', async () => {
    for (const origin of ['https://app.example.com', 'http://localhost:5173']) {
      const viewer = await wsSubscribe(relay.url, 'token=o', { origin });
      await viewer.until((e) => e.some((x) => x.type === 'ready'));
      viewer.socket.close();
      const sse = await sseSubscribe(relay.url, 'token=o', { origin });
      assert.equal(sse.response.headers['access-control-allow-origin'], origin);
      assert.equal(sse.response.headers.vary, 'Origin');
      sse.close();
      const ingest = await post(`${relay.url}/`, '{"y": 2}\n', { 'plotly-streamtoken': 'o2', origin });
      assert.equal(ingest.status, 200);
      assert.equal(ingest.headers['access-control-allow-origin'], origin);
      const preflight = await get(`${relay.url}/`, { origin, 'access-control-request-method': 'POST' }, 'OPTIONS');
      assert.equal(preflight.headers['access-control-allow-origin'], origin);
    }
  });

  it('refuses to start with an --allow-origin entry that is not an origin', async () => {
    await assert.rejects(createRelay({ port: 0, allowOrigin: 'example.com' }), /"example.com" is not an origin/);
  });
});

describe('hostile viewers and producers', () => {
  it('reports tokens past the per-subscription limit in an error event, and serves the others', async () => {
    const relay = await createRelay({ port: 0, maxTokensPerSubscription: 3, log: () => undefined });
    try {
      for (const token of ['a', 'b', 'c', 'd', 'e'])
        await post(`${relay.url}/`, '{"y": 1}\n', { 'plotly-streamtoken': token });
      const query = ['a', 'b', 'c', 'd', 'e'].map((t) => `token=${t}`).join('&');
      for (const viewer of [await wsSubscribe(relay.url, query), await sseSubscribe(relay.url, query)]) {
        await viewer.until((e) => e.some((x) => x.type === 'ready'));
        const error = viewer.events.find((e) => e.type === 'error');
        assert.deepEqual(error && { code: error.code, message: error.message }, {
          code: 'too-many-tokens',
          message: '2 tokens past the limit of 3 in one subscription not subscribed: d, e',
        });
        assert.deepEqual(
          viewer.events.filter((e) => e.type === 'reset').map((e) => e.token),
          ['a', 'b', 'c'],
        );
        if ('socket' in viewer) viewer.socket.close();
        else viewer.close();
      }
    } finally {
      await relay.close();
    }
  });

  it('closes a viewer that sends a message over 64 KiB (1009) or floods (1008); others are not affected', async () => {
    const relay = await createRelay({ port: 0, log: () => undefined });
    try {
      const big = await wsSubscribe(relay.url, 'token=u');
      big.socket.send('x'.repeat(100 * 1024));
      assert.equal((await big.closed).code, 1009);
      const chatty = await wsSubscribe(relay.url, 'token=u');
      for (let i = 0; i < 1300; i++) chatty.socket.send('hello');
      assert.deepEqual(await chatty.closed, { code: 1008, reason: 'too many control messages' });
      const quiet = await wsSubscribe(relay.url, 'token=u');
      quiet.socket.send('{"subscribe": "a message the relay ignores"}');
      await post(`${relay.url}/`, '{"y": 1}\n', { 'plotly-streamtoken': 'u' });
      await quiet.untilMessages(1);
      quiet.socket.close();
    } finally {
      await relay.close();
    }
  });

  it('rejects a line nested 100k deep alone; the good lines beside it arrive', async () => {
    const relay = await createRelay({ port: 0, log: () => undefined });
    try {
      const viewer = await wsSubscribe(relay.url, 'token=deep');
      await viewer.until((e) => e.some((x) => x.type === 'ready'));
      const deep = `{"y":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      const result = await post(`${relay.url}/`, ['{"y": 1}\n', `${deep}\n`, '{"y": 2}\n'], {
        'plotly-streamtoken': 'deep',
      });
      assert.equal(result.status, 200);
      const summary = JSON.parse(result.body);
      assert.equal(summary.accepted, 2);
      assert.deepEqual(
        summary.errors.map((e: { line: number; code: string }) => [e.line, e.code]),
        [[2, 'too-deep']],
      );
      await viewer.untilMessages(2);
      assert.deepEqual(viewer.messages, [{ y: 1 }, { y: 2 }]);
      viewer.socket.close();
    } finally {
      await relay.close();
    }
  });

  it('keeps no state for tokens only subscribed to, and a bounded number of idle tokens in /metrics', async () => {
    const relay = await createRelay({ port: 0, maxTokensPerSubscription: 64, log: () => undefined });
    const engine = relay.engine as MemoryEngine;
    try {
      for (let round = 0; round < 40; round++) {
        const query = Array.from({ length: 64 }, (_, i) => `token=t${round}-${i}`).join('&');
        const viewer = await wsSubscribe(relay.url, query);
        await viewer.until((e) => e.some((x) => x.type === 'ready'));
        viewer.socket.close();
        await viewer.closed;
      }
      await eventually(() => engine.tokenCount === 0, 'the engine to forget tokens nobody wrote');
      assert.ok(relay.metrics.tokenCount <= 1000, `${relay.metrics.tokenCount} tokens with counters`);
      const scrape = await get(`${relay.url}/metrics`);
      assert.ok(scrape.body.length < 2_000_000, `${scrape.body.length} bytes of metrics`);
    } finally {
      await relay.close();
    }
  });

  it('bounds history across tokens: the least recently written token loses its history first', async () => {
    const relay = await createRelay({
      port: 0,
      historyBytes: 1e6,
      historyMessages: 1e6,
      historyTotalBytes: 200_000,
      log: () => undefined,
    });
    const engine = relay.engine as MemoryEngine;
    try {
      const line = `{"y": 1, "text": "${'x'.repeat(1000)}"}\n`;
      for (let t = 0; t < 10; t++) await post(`${relay.url}/`, line.repeat(50), { 'plotly-streamtoken': `h${t}` });
      assert.ok(engine.totalBytes <= 200_000, `${engine.totalBytes} bytes held`);
      assert.equal(engine.size('h9').messages, 50, 'the newest token keeps its window');
      assert.equal(engine.size('h0').messages, 0, 'the oldest gave its history up');
      const late = await wsSubscribe(relay.url, 'token=h0');
      await late.until((e) => e.some((x) => x.type === 'ready'));
      assert.equal(late.messages.length, 0);
      late.socket.close();
    } finally {
      await relay.close();
    }
  });

  it('cuts off the viewers with the most waiting when all viewers together pass the budget', async () => {
    const logs: string[] = [];
    const relay = await createRelay({
      port: 0,
      maxBufferedBytes: 64 * 1024 * 1024,
      maxTotalBufferedBytes: 2 * 1024 * 1024,
      log: (l) => logs.push(l),
    });
    try {
      const readers = await Promise.all([1, 2].map(() => wsSubscribe(relay.url, 'token=budget')));
      const stalled = await Promise.all([1, 2, 3, 4].map(() => wsSubscribe(relay.url, 'token=budget')));
      const stalledSse = await sseSubscribe(relay.url, 'token=budget');
      await Promise.all(
        [...readers, ...stalled, stalledSse].map((v) => v.until((e) => e.some((x) => x.type === 'ready'))),
      );
      for (const viewer of stalled) (viewer.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      stalledSse.response.pause();
      const payload = 'x'.repeat(500);
      const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'budget' });
      for (let i = 1; i <= 20_000; i++) producer.write(`{"y": ${i}, "text": "${payload}"}\n`);
      producer.end();
      assert.equal((await producer.result).status, 200);
      await Promise.all(readers.map((r) => r.untilMessages(20_000, 30_000)));
      // Each stalled viewer is cut off (its own limit is far away: the total did it), and the relay
      // lets its socket go (they read nothing, so they do not see it themselves).
      const metrics = async () => JSON.parse((await get(`${relay.url}/metrics?format=json`)).body);
      await eventually(async () => {
        const { connections } = await metrics();
        return connections.websocket === 2 && connections.sse === 0;
      }, 'the stalled viewers to be let go');
      assert.equal((await metrics()).refused['outgoing-budget'], 5);
      assert.equal(logs.filter((l) => /cut off: it did not keep up/.test(l)).length, 5);
      for (const r of readers) r.socket.close();
      for (const v of stalled) v.socket.terminate();
      stalledSse.close();
    } finally {
      await relay.close();
    }
  });
});
