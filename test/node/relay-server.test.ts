import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import http from 'node:http';
import { createRelay, type Relay } from '../../src/relay/index.js';
import { get, openIngest, sseSubscribe, wsSubscribe } from '../support/relay-clients.js';

describe('relay endpoints', () => {
  let relay: Relay;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-'));
    writeFileSync(join(dir, 'bundle.js'), `console.log("the element");${' '.repeat(2000)}`);
    relay = await createRelay({ port: 0, bundlePath: join(dir, 'bundle.js'), log: () => undefined });
  });
  after(async () => {
    await relay.close();
    rmSync(dir, { recursive: true });
  });

  it('serves the script-tag bundle with CORS, an ETag and gzip', async () => {
    const plain = await get(`${relay.url}/plotly-stream.js`);
    assert.equal(plain.status, 200);
    assert.match(plain.body, /the element/);
    assert.equal(plain.headers['access-control-allow-origin'], '*');
    assert.match(String(plain.headers['content-type']), /text\/javascript/);
    const etag = plain.headers.etag as string;
    assert.equal((await get(`${relay.url}/plotly-stream.js`, { 'if-none-match': etag })).status, 304);
    const zipped = await new Promise<Buffer>((resolve) => {
      http.get(`${relay.url}/plotly-stream.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        assert.equal(res.headers['content-encoding'], 'gzip');
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve(Buffer.concat(parts)));
      });
    });
    assert.match(gunzipSync(zipped).toString(), /the element/);
  });

  it('says how to build the bundle when it is missing (503)', async () => {
    const bare = await createRelay({ port: 0, bundlePath: join(dir, 'missing.js'), log: () => undefined });
    try {
      const result = await get(`${bare.url}/plotly-stream.js`);
      assert.equal(result.status, 503);
      assert.match(result.body, /npm run build/);
    } finally {
      await bare.close();
    }
  });

  it('answers /healthz, CORS preflight and 404', async () => {
    const health = await get(`${relay.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
    const preflight = await get(`${relay.url}/`, { origin: 'http://page.test', 'access-control-request-method': 'POST' }, 'OPTIONS');
    assert.equal(preflight.status, 204);
    assert.match(String(preflight.headers['access-control-allow-headers']), /plotly-streamtoken/);
    const missing = await get(`${relay.url}/nothing`);
    assert.equal(missing.status, 404);
    assert.match(missing.body, /POST \//);
  });

  it('reports per-token counters in Prometheus text and JSON', async () => {
    const sub = await wsSubscribe(relay.url, 'token=m');
    await sub.until((e) => e.some((x) => x.type === 'ready'));
    const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'm' });
    producer.write('{"y": 1}\n{"y": 2}\nbad\n');
    await sub.untilMessages(2);
    const text = (await get(`${relay.url}/metrics`)).body;
    assert.match(text, /^plotly_stream_messages_in_total\{token="m"\} 2$/m);
    assert.match(text, /^plotly_stream_rejected_total\{token="m"\} 1$/m);
    assert.match(text, /^plotly_stream_subscribers\{token="m"\} 1$/m);
    assert.match(text, /^plotly_stream_producers\{token="m"\} 1$/m);
    assert.match(text, /^plotly_stream_history_messages\{token="m"\} 2$/m);
    assert.match(text, /^plotly_stream_connections\{kind="websocket"\} 1$/m);
    producer.end();
    await producer.result;
    sub.socket.close();
    await sub.closed;
    const json = JSON.parse((await get(`${relay.url}/metrics?format=json`)).body);
    assert.equal(json.tokens.m.subscribers, 0);
    assert.equal(json.tokens.m.producers, 0);
    assert.equal(json.tokens.m.resets, 1);
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

describe('plotly-stream-relay (the CLI)', () => {
  const cli = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', 'src/relay/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = (child: ReturnType<typeof cli>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('--help lists the options', async () => {
    const { code, stdout } = await output(cli(['--help']));
    assert.equal(code, 0);
    for (const option of ['--port', '--host', '--history', '--idle-timeout', '--keys', '--rate-limit']) assert.ok(stdout.includes(option), option);
  });

  it('refuses bad options with exit code 2 and says why', async () => {
    const unknown = await output(cli(['--nope']));
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--nope/);
    const size = await output(cli(['--max-line', 'huge']));
    assert.equal(size.code, 2);
    assert.match(size.stderr, /--max-line must be a size/);
  });

  it('starts, serves, and shuts down cleanly on SIGTERM', async () => {
    const child = cli(['--port', '0', '--idle-timeout', '30', '--history', '10']);
    const done = output(child);
    const url = await new Promise<string>((resolve) => {
      let text = '';
      child.stderr.on('data', (d: Buffer) => {
        text += d;
        const match = /listening on (http:\/\/\S+)/.exec(text);
        if (match) resolve(match[1] as string);
      });
    });
    const health = await get(`${url}/healthz`);
    assert.equal(health.status, 200);
    const producer = openIngest(`${url}/`, { 'plotly-streamtoken': 'cli' });
    producer.write('{"y": 1}\n');
    await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    assert.equal((await producer.result).status, 503);
    const { code, stderr } = await done;
    assert.equal(code, 0);
    assert.match(stderr, /SIGTERM, closing/);
  });

  it('takes write keys from PLOTLY_STREAM_KEYS', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/relay/cli.ts', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PLOTLY_STREAM_KEYS: 'sec=k1' },
    });
    const url = await new Promise<string>((resolve) => {
      let text = '';
      child.stderr.on('data', (d: Buffer) => {
        text += d;
        const match = /listening on (http:\/\/\S+)/.exec(text);
        if (match && /write keys: required for sec/.test(text)) resolve(match[1] as string);
      });
    });
    const { post } = await import('../support/relay-clients.js');
    assert.equal((await post(`${url}/`, '{"y": 1}\n', { 'plotly-streamtoken': 'sec' })).status, 401);
    assert.equal((await post(`${url}/`, '{"y": 1}\n', { 'plotly-streamtoken': 'sec', 'plotly-streamkey': 'k1' })).status, 200);
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
  });
});
