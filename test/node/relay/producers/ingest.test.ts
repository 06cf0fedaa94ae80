import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { createRelay, type Relay } from '../../../../src/relay/index.js';
import { get, openIngest, post, rawExchange, sseSubscribe } from '../../../support/relay-clients.js';

const run = promisify(execFile);
const logs: string[] = [];

describe('relay ingest (Plotly-compatible)', () => {
  let relay: Relay;
  before(async () => {
    relay = await createRelay({ port: 0, idleTimeoutMs: 400, maxLineBytes: 64, log: (l) => logs.push(l) });
  });
  after(() => relay.close());

  it("takes Plotly's documented raw request byte for byte", async () => {
    const viewer = await sseSubscribe(relay.url, 'token=ab3dk4FBDd');
    const response = await rawExchange(relay.port, [
      'POST / HTTP/1.1\r\nHost: stream.plot.ly\r\nTransfer-Encoding: chunked\r\nplotly-streamtoken: ab3dk4FBDd\r\n\r\n',
      '11\r\n{"y": 1, "x": 1}\n\r\n',
      '11\r\n{"y": 2, "x": 2}\n\r\n',
      '0\r\n\r\n',
    ]);
    assert.match(response, /^HTTP\/1\.1 200 OK\r\n/);
    const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { accepted: number; rejected: number };
    assert.equal(body.accepted, 2);
    assert.equal(body.rejected, 0);
    await viewer.untilMessages(2);
    assert.deepEqual(viewer.messages, [
      { y: 1, x: 1 },
      { y: 2, x: 2 },
    ]);
    viewer.close();
  });

  it("treats chart_studio's extra CRLF before the last chunk as a clean end: points kept, 200 with summary (tail in a read of its own)", async () => {
    const viewer = await sseSubscribe(relay.url, 'token=chartstudio');
    // chunked_requests.Stream: each write is "{len}\r\n{msg}\r\n"; close() sends "\r\n0\r\n\r\n".
    const msg = '{"x": 1, "y": 10}\n';
    const response = await rawExchange(relay.port, [
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nplotly-streamtoken: chartstudio\r\n\r\n',
      `${msg.length.toString(16)}\r\n${msg}\r\n`,
      '1\r\n\n\r\n', // a heartbeat
      20,
      '\r\n0\r\n\r\n',
    ]);
    assert.match(response, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(response, /connection: close/i);
    const summary = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as {
      accepted: number;
      heartbeats: number;
    };
    assert.equal(summary.accepted, 1);
    assert.equal(summary.heartbeats, 1);
    await viewer.untilMessages(1);
    assert.deepEqual(viewer.messages, [{ x: 1, y: 10 }]);
    viewer.close();
  });

  it('takes curl with Transfer-Encoding: chunked and --data-binary @-', async () => {
    const viewer = await sseSubscribe(relay.url, 'token=curl');
    const child = run('curl', [
      '-s',
      '-H',
      'plotly-streamtoken: curl',
      '-H',
      'Transfer-Encoding: chunked',
      '--data-binary',
      '@-',
      `${relay.url}/`,
    ]);
    child.child.stdin?.end('{"x": 1, "y": 1}\n\n{"x": 2, "y": 4}\n{"x": 3, "y": 9}');
    const { stdout } = await child;
    assert.equal(JSON.parse(stdout).accepted, 3, 'a last line without a newline counts');
    await viewer.untilMessages(3);
    assert.deepEqual(
      viewer.messages.map((m) => m['y']),
      [1, 4, 9],
    );
    viewer.close();
  });

  it("takes Python's http.client with encode_chunked=True", async () => {
    const viewer = await sseSubscribe(relay.url, 'token=python');
    const script = `
import http.client, json, sys
conn = http.client.HTTPConnection('127.0.0.1', ${relay.port})
lines = (json.dumps({'x': i, 'y': i * i}) + '\\n' for i in range(5))
conn.request('POST', '/', body=(l.encode() for l in lines), headers={'plotly-streamtoken': 'python', 'Transfer-Encoding': 'chunked'}, encode_chunked=True)
r = conn.getresponse()
print(r.status, r.read().decode())
`;
    const { stdout } = await run('python3', ['-c', script]);
    assert.match(stdout, /^200 /);
    assert.equal(JSON.parse(stdout.slice(4)).accepted, 5);
    await viewer.untilMessages(5);
    assert.deepEqual(
      viewer.messages.map((m) => m['y']),
      [0, 1, 4, 9, 16],
    );
    viewer.close();
  });

  it('takes a Content-Length body too', async () => {
    const result = await new Promise<string>((resolve) => {
      const body = '{"y": 1}\n{"y": 2}\n';
      void rawExchange(relay.port, [
        `POST / HTTP/1.1\r\nHost: x\r\nplotly-streamtoken: cl\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      ]).then(resolve);
    });
    assert.match(result, /^HTTP\/1\.1 200/);
    assert.match(result, /"accepted":2/);
  });

  it('keeps a stream open past the idle limit while heartbeats come, and closes a silent one with 408', async () => {
    const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'idle' });
    for (let i = 0; i < 6; i++) {
      producer.write('\n');
      await new Promise((r) => setTimeout(r, 150)); // 900 ms in all, the limit is 400 ms
    }
    producer.write('{"y": 1}\n');
    const result = await producer.result; // then silence
    assert.equal(result.status, 408);
    const summary = JSON.parse(result.body) as { accepted: number; heartbeats: number; closed: string };
    assert.equal(summary.accepted, 1);
    assert.equal(summary.heartbeats, 6);
    assert.match(summary.closed, /no byte for 0\.4 s/);
  });

  it('a second ingest with the same token closes the oldest (409), the newest goes on', async () => {
    const viewer = await sseSubscribe(relay.url, 'token=dup');
    const first = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'dup' });
    first.write('{"y": 1}\n');
    await viewer.untilMessages(1);
    const second = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'dup' });
    second.write('{"y": 2}\n');
    const old = await first.result;
    assert.equal(old.status, 409);
    assert.match(JSON.parse(old.body).closed, /another ingest connection took over/);
    second.write('{"y": 3}\n');
    second.end();
    assert.equal((await second.result).status, 200);
    await viewer.untilMessages(3);
    assert.deepEqual(
      viewer.messages.map((m) => m['y']),
      [1, 2, 3],
    );
    viewer.close();
  });

  it('rejects bad lines alone, counts them and reports the first ones; the lines around them go through', async () => {
    const viewer = await sseSubscribe(relay.url, 'token=bad');
    const long = `{"y": "${'x'.repeat(100)}"}`;
    const result = await post(
      `${relay.url}/`,
      ['{"y": 1}\n', 'not json\n', '[1, 2]\n', '{"y": 2}\n', `${long}\n`, '{"y": 3}\n'],
      {
        'plotly-streamtoken': 'bad',
      },
    );
    assert.equal(result.status, 200);
    const summary = JSON.parse(result.body) as {
      accepted: number;
      rejected: number;
      errors: Array<{ line: number; code: string }>;
    };
    assert.equal(summary.accepted, 3);
    assert.equal(summary.rejected, 3);
    assert.deepEqual(
      summary.errors.map((e) => [e.line, e.code]),
      [
        [2, 'invalid-json'],
        [3, 'not-an-object'],
        [5, 'line-too-long'],
      ],
    );
    await viewer.untilMessages(3);
    assert.deepEqual(
      viewer.messages.map((m) => m['y']),
      [1, 2, 3],
    );
    assert.ok(
      logs.some((l) => /line 2 rejected \(invalid-json\)/.test(l)),
      'the log names the cause',
    );
    viewer.close();
  });

  it('keeps the points of a producer that drops its connection mid-line, and goes on serving', async () => {
    const viewer = await sseSubscribe(relay.url, 'token=dropped');
    const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'dropped' });
    producer.write('{"y": 1}\n{"y": 2}\n{"y": ');
    await viewer.untilMessages(2);
    producer.destroy();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await get(`${relay.url}/healthz`)).status, 200);
    const json = JSON.parse((await get(`${relay.url}/metrics?format=json`)).body);
    assert.equal(json.tokens.dropped.producers, 0);
    assert.equal(json.tokens.dropped.messagesIn, 2);
    viewer.close();
  });

  it('answers 405 to anything but POST on /, 406 without a token, 400 for a malformed token or malformed HTTP', async () => {
    assert.equal((await get(`${relay.url}/`)).status, 405);
    assert.equal((await get(`${relay.url}/`, {}, 'PUT')).status, 405);
    const noToken = await post(`${relay.url}/`, '{"y": 1}\n');
    assert.equal(noToken.status, 406);
    assert.match(noToken.body, /plotly-streamtoken/);
    assert.equal((await post(`${relay.url}/`, '{"y": 1}\n', { 'plotly-streamtoken': 'has space' })).status, 400);
    const garbage = await rawExchange(relay.port, [
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nplotly-streamtoken: m\r\n\r\nzz\r\n{}\r\n',
    ]);
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.match(garbage, /HPE_INVALID_CHUNK_SIZE/);
    const notHttp = await rawExchange(relay.port, ['HELLO THERE\r\n\r\n']);
    assert.match(notHttp, /^HTTP\/1\.1 400 /);
  });

  it('needs the write key when one is configured (401), from either header', async () => {
    const logs: string[] = [];
    const relay = await createRelay({ port: 0, keys: { locked: 'sesame' }, log: (l) => logs.push(l) });
    after(() => relay.close());
    const none = await post(`${relay.url}/`, '{"y": 1}\n', { 'plotly-streamtoken': 'locked' });
    assert.equal(none.status, 401);
    const wrong = await post(`${relay.url}/`, '{"y": 1}\n', {
      'plotly-streamtoken': 'locked',
      'plotly-streamkey': 'nope-a-guessed-key',
    });
    assert.equal(wrong.status, 401);
    assert.ok(logs.some((l) => /ingest for locked from .* refused: wrong write key/.test(l)));
    assert.ok(!logs.some((l) => l.includes('nope-a-guessed-key')), 'a refused key is never logged');
    const header = await post(`${relay.url}/`, '{"y": 1}\n', {
      'plotly-streamtoken': 'locked',
      'plotly-streamkey': 'sesame',
    });
    assert.equal(header.status, 200);
    const bearer = await post(`${relay.url}/`, '{"y": 1}\n', {
      'plotly-streamtoken': 'locked',
      authorization: 'Bearer sesame',
    });
    assert.equal(bearer.status, 200);
    // With keys configured, a token that has none (and no "*" entry) is refused too.
    const unlisted = await post(`${relay.url}/`, '{"y": 1}\n', {
      'plotly-streamtoken': 'other',
      'plotly-streamkey': 'sesame',
    });
    assert.equal(unlisted.status, 401);
    assert.match(unlisted.body, /no write key is configured for token "other"/);
    const shared = await createRelay({ port: 0, keys: { '*': 'all' }, log: () => undefined });
    after(() => shared.close());
    assert.equal(
      (await post(`${shared.url}/`, '{"y": 1}\n', { 'plotly-streamtoken': 'any', 'plotly-streamkey': 'all' })).status,
      200,
    );
  });
});

describe("Plotly's Python client (chart_studio), as it writes", () => {
  // Default limits: the client's 0.5 s pause after the headers is within the 60 s idle limit.
  let relay: Relay;
  before(async () => {
    relay = await createRelay({ port: 0, log: () => undefined });
  });
  after(async () => {
    await relay.close();
  });

  // chunked_requests.Stream, as chart_studio drives it: _connect() sends the headers (http.client adds
  // Host and Accept-Encoding) and sleeps 0.5 s; plotly.Stream.write() sends json.dumps(obj) + "\n" as
  // one "{len}\r\n{msg}\r\n" send; heartbeat() sends "\n" the same way; close() sends the tail at once.
  const chartStudio = (port: number, token: string) => ({
    headers: `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept-Encoding: identity\r\nTransfer-Encoding: chunked\r\nplotly-streamtoken: ${token}\r\n\r\n`,
    connectPause: 500,
    write: (msg: string) => `${msg.length.toString(16)}\r\n${msg}\r\n`,
    tail: '\r\n0\r\n\r\n',
  });

  it("takes chart_studio's tail in the same read as its last chunk (close() right after a write)", async () => {
    const viewer = await sseSubscribe(relay.url, 'token=cstail');
    const client = chartStudio(relay.port, 'cstail');
    // The last write and close() are two sends back to back, which TCP usually delivers in one read:
    // one socket write here makes that certain.
    const response = await rawExchange(relay.port, [
      client.headers,
      client.connectPause,
      client.write('{"x": 1, "y": 10}\n'),
      client.write('\n'),
      client.write('{"x": 2, "y": 20}\n') + client.tail,
    ]);
    assert.match(response, /^HTTP\/1\.1 200 OK\r\n/);
    const summary = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as {
      accepted: number;
      heartbeats: number;
      rejected: number;
    };
    assert.deepEqual([summary.accepted, summary.heartbeats, summary.rejected], [2, 1, 0]);
    await viewer.untilMessages(2);
    assert.deepEqual(viewer.messages, [
      { x: 1, y: 10 },
      { x: 2, y: 20 },
    ]);
    viewer.close();
  });

  it("takes chart_studio's last chunk and tail split at every byte across two reads", async () => {
    const client = chartStudio(relay.port, 'cssplit');
    const end = client.write('{"x": 2, "y": 20}\n') + client.tail;
    for (let cut = 1; cut < end.length; cut++) {
      // A pause between the two parts makes them two reads, as TCP may split them anywhere.
      const response = await rawExchange(relay.port, [
        client.headers,
        client.write('{"x": 1, "y": 10}\n'),
        end.slice(0, cut),
        10,
        end.slice(cut),
      ]);
      assert.match(response, /^HTTP\/1\.1 200 OK\r\n/, `cut at ${cut}: ${response.slice(0, 80)}`);
      const summary = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { accepted: number };
      assert.equal(summary.accepted, 2, `cut at ${cut}`);
    }
  });

  it("takes chart_studio's sends exactly as it makes them, with no pause before close()", async () => {
    const viewer = await sseSubscribe(relay.url, 'token=cssends');
    const client = chartStudio(relay.port, 'cssends');
    const writes = Array.from({ length: 20 }, (_, i) =>
      client.write(
        `${JSON.stringify({ x: i, y: i * i })
          .replace(/,/g, ', ')
          .replace(/:/g, ': ')}\n`,
      ),
    );
    const response = await rawExchange(relay.port, [client.headers, client.connectPause, ...writes, client.tail]);
    assert.match(response, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal((JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { accepted: number }).accepted, 20);
    await viewer.untilMessages(20);
    assert.deepEqual(
      viewer.messages.map((m) => m['y']),
      Array.from({ length: 20 }, (_, i) => i * i),
    );
    viewer.close();
  });
});

describe('relay ingest limits', () => {
  it('logs a flood of bad lines within the budget, with a count of the rest, and keeps the good ones', async () => {
    const logs: string[] = [];
    const relay = await createRelay({ port: 0, log: (l) => logs.push(l) });
    try {
      const body = Array.from({ length: 10_000 }, (_, i) =>
        i % 100 === 0 ? `{"y": ${i}}` : `bad \u001b[2J ${i}`,
      ).join('\n');
      const result = await post(`${relay.url}/`, `${body}\n`, { 'plotly-streamtoken': 'flood' });
      const summary = JSON.parse(result.body) as { accepted: number; rejected: number };
      assert.deepEqual([summary.accepted, summary.rejected], [100, 9900]);
      await relay.close();
      const rejected = logs.filter((l) => l.startsWith('ingest flood: line'));
      assert.ok(rejected.length <= 20, `${rejected.length} rejected lines logged`);
      const counted = logs
        .map((l) => /^(\d+) more "rejected" lines not logged/.exec(l)?.[1])
        .filter((n) => n !== undefined)
        .reduce((sum, n) => sum + Number(n), 0);
      assert.equal(rejected.length + counted, 9900, 'every rejected line is logged or counted');
      for (const line of logs) assert.ok(!line.includes('\u001b'), `raw escape in ${line}`);
    } finally {
      await relay.close();
    }
  });

  it('answers 429 and closes when a token passes its rate limit, never dropping silently', async () => {
    const relay = await createRelay({ port: 0, rateLimit: 5, log: () => undefined });
    try {
      const viewer = await sseSubscribe(relay.url, 'token=fast');
      const lines = Array.from({ length: 20 }, (_, i) => `{"y": ${i}}\n`);
      const result = await post(`${relay.url}/`, lines.join(''), { 'plotly-streamtoken': 'fast' });
      assert.equal(result.status, 429);
      const summary = JSON.parse(result.body) as { accepted: number; closed: string };
      assert.equal(summary.accepted, 5);
      assert.match(summary.closed, /rate limit/);
      await viewer.untilMessages(5);
      assert.deepEqual(
        viewer.messages.map((m) => m['y']),
        [0, 1, 2, 3, 4],
      );
      viewer.close();
      const metrics = await get(`${relay.url}/metrics?format=json`);
      assert.equal(JSON.parse(metrics.body).tokens.fast.rateLimited, 1);
    } finally {
      await relay.close();
    }
  });

  it("holds producers' unfinished lines under --max-total-line-buffer: the ingest holding the most gets 503, the others go on", async () => {
    const limit = 1024 * 1024;
    const relay = await createRelay({ port: 0, maxTotalLineBytes: limit, log: () => undefined });
    try {
      const viewer = await sseSubscribe(relay.url, 'token=steady');
      await viewer.until((e) => e.some((x) => x.type === 'ready'));
      // Three producers begin long lines and never end them (each within --max-line alone).
      const hoarders = ['h1', 'h2', 'h3'].map((token) => openIngest(`${relay.url}/`, { 'plotly-streamtoken': token }));
      const steady = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'steady' });
      for (let round = 0; round < 8; round++) {
        for (const [i, hoarder] of hoarders.entries())
          hoarder.write(`{"pad":"${'x'.repeat(60_000 * (i + 1))}`.slice(round === 0 ? 0 : 9));
        steady.write(`{"y": ${round}}\n`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const cut = await hoarders[2]?.result;
      assert.equal(cut?.status, 503);
      assert.equal(cut?.headers['retry-after'], '5');
      const summary = JSON.parse(cut?.body ?? '{}') as { closed: string; rejected: number };
      assert.match(summary.closed, /bytes of producers' lines \(begun and not ended, or not yet stored\)/);
      assert.equal(summary.rejected, 0, 'its unfinished line is dropped, not parsed');
      const lines = relay.metrics.budgets['lines'] as { peak: number; total: number };
      assert.ok(lines.peak <= limit, `peak ${lines.peak} <= ${limit}`);
      steady.end();
      assert.equal((await steady.result).status, 200);
      await viewer.untilMessages(8);
      assert.deepEqual(
        viewer.messages.map((m) => m['y']),
        [0, 1, 2, 3, 4, 5, 6, 7],
      );
      assert.ok((relay.metrics.refused['line-budget'] ?? 0) >= 1);
      for (const hoarder of hoarders) hoarder.destroy();
      viewer.close();
    } finally {
      await relay.close();
    }
  });

  it("is not subject to Node's requestTimeout: an ingest outlives it while data flows", async () => {
    // With the server's checks every 50 ms, a plain server with requestTimeout 300 ms kills the request...
    const http = await import('node:http');
    const plain = http.createServer({ requestTimeout: 300, connectionsCheckingInterval: 50 }, (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
    const port = (plain.address() as { port: number }).port;
    const control = openIngest(`http://127.0.0.1:${port}/`, {});
    const timer = setInterval(() => control.write('\n'), 50);
    const controlResult = await control.result;
    clearInterval(timer);
    assert.equal(controlResult.status, 408, 'the control request is cut by requestTimeout');
    plain.close();

    // ...while the relay, given the same check interval, keeps its ingest well past that.
    const relay = await createRelay({
      port: 0,
      httpServerOptions: { connectionsCheckingInterval: 50 },
      log: () => undefined,
    });
    try {
      assert.equal(relay.server.requestTimeout, 0);
      const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'long' });
      for (let i = 0; i < 20; i++) {
        producer.write(`{"y": ${i}}\n`);
        await new Promise((r) => setTimeout(r, 50)); // 1 s in all
      }
      producer.end();
      const result = await producer.result;
      assert.equal(result.status, 200);
      assert.equal(JSON.parse(result.body).accepted, 20);
    } finally {
      await relay.close();
    }
  });
});

describe('relay ingest, for any mix of good and bad lines (fast-check)', () => {
  let relay: Relay;
  before(async () => {
    relay = await createRelay({ port: 0, maxLineBytes: 256, log: () => undefined });
  });
  after(async () => {
    await relay.close();
  });

  const bad = fc.oneof(
    fc.constantFrom(
      'not json',
      '[1,2]',
      '3',
      'null',
      '{"y":',
      '{"y":1}}',
      '\u0000\u001b[31m',
      `{"a":${'['.repeat(40)}${']'.repeat(40)}}`,
    ),
    fc.string({ unit: 'binary', minLength: 300, maxLength: 400 }).map((s) => s.replace(/\n/g, ' ')), // too long
    fc.string({ maxLength: 30 }).map((s) => `]{${s.replace(/\n/g, ' ')}`), // never JSON: it starts with ]
  );

  it('every good line arrives, in order, and each bad one is rejected alone, wherever the chunks are cut', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant(null), bad), { minLength: 1, maxLength: 25 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (lines, cuts) => {
          const token = `mix${++run}`;
          const viewer = await sseSubscribe(relay.url, `token=${token}`);
          await viewer.until((e) => e.some((x) => x.type === 'ready'));
          let y = 0;
          const body = lines.map((line) => (line === null ? `{"y":${++y}}` : line)).join('\n') + '\n';
          const bytes = Buffer.from(body);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          // Raw bytes, cut anywhere (inside a UTF-8 sequence too), each chunk a write of its own.
          const chunks = [...points, bytes.length]
            .map((end, i, all) => bytes.subarray(i === 0 ? 0 : all[i - 1], end))
            .filter((chunk) => chunk.length > 0);
          const result = await post(`${relay.url}/`, chunks as unknown as string[], { 'plotly-streamtoken': token });
          assert.equal(result.status, 200, result.body);
          const summary = JSON.parse(result.body) as { accepted: number; rejected: number };
          assert.equal(summary.accepted, y);
          assert.ok(summary.rejected >= lines.length - y - lines.filter((l) => l !== null && l.trim() === '').length);
          await viewer.untilMessages(y);
          viewer.close();
          assert.deepEqual(
            viewer.messages.map((m) => m['y']),
            Array.from({ length: y }, (_, i) => i + 1),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});
