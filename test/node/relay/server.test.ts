import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRelay, type Relay } from '../../../src/relay/index.js';
import { get, openIngest, sseSubscribe, wsSubscribe } from '../../support/relay-clients.js';

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
