import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRelay, type Relay } from '../../../src/relay/index.js';
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
