import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRelay, type Relay } from '../../../src/relay/index.js';
import { Metrics } from '../../../src/relay/metrics.js';
import { get, openIngest, wsSubscribe } from '../../support/relay-clients.js';

describe('GET /metrics', () => {
  let relay: Relay;
  before(async () => {
    relay = await createRelay({ port: 0, log: () => undefined });
  });
  after(async () => {
    await relay.close();
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

describe('Metrics', () => {
  it('writes Prometheus text: HELP and TYPE once per series, one line per token, history from the engine', () => {
    const metrics = new Metrics();
    metrics.token('a').messagesIn += 3;
    metrics.token('b').rejected++;
    metrics.connections.sse = 2;
    const text = metrics.toPrometheus((token) =>
      token === 'a' ? { messages: 3, bytes: 21 } : { messages: 0, bytes: 0 },
    );
    assert.equal(text.match(/^# TYPE plotly_stream_messages_in_total counter$/gm)?.length, 1);
    assert.match(text, /^plotly_stream_messages_in_total\{token="a"\} 3$/m);
    assert.match(text, /^plotly_stream_messages_in_total\{token="b"\} 0$/m);
    assert.match(text, /^plotly_stream_rejected_total\{token="b"\} 1$/m);
    assert.match(text, /^plotly_stream_history_bytes\{token="a"\} 21$/m);
    assert.match(text, /^plotly_stream_connections\{kind="sse"\} 2$/m);
    assert.ok(text.endsWith('\n'));
  });

  it('gives the same counters as JSON', () => {
    const metrics = new Metrics();
    metrics.token('a').subscribers = 4;
    const json = metrics.toJSON(() => ({ messages: 1, bytes: 2 }));
    assert.deepEqual(json.tokens['a'], {
      messagesIn: 0,
      rejected: 0,
      producers: 0,
      subscribers: 4,
      slowDisconnects: 0,
      resets: 0,
      rateLimited: 0,
      notStored: 0,
      historyMessages: 1,
      historyBytes: 2,
    });
    assert.deepEqual(json.connections, { websocket: 0, sse: 0, ingest: 0 });
  });
});
