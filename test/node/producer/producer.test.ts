import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRelay, type Relay } from '../../../src/relay/index.js';
import { createProducer, ProducerRefusedError } from '../../../src/producer/index.js';
import { eventually, offsets, range, wsSubscribe, ys } from '../../support/relay-clients.js';

describe('plotly-stream/producer (createProducer) against the real relay', () => {
  let relay: Relay;
  before(async () => {
    relay = await createRelay({
      port: 0,
      historyMessages: 100_000,
      idleTimeoutMs: 400,
      log: () => undefined,
    });
  });
  after(() => relay.close());

  it('streams messages over one chunked request; close() resolves with the summary; a viewer gets them in order', async () => {
    const viewer = await wsSubscribe(relay.url, 'token=node1&runs=1');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    const producer = createProducer(`${relay.url}/`, 'node1');
    for (let i = 1; i <= 200; i++) producer.write({ x: i, y: i * 2 });
    producer.write('{"y": 401, "x": 201}');
    const summary = await producer.close();
    assert.equal(summary.accepted, 201);
    assert.equal(summary.rejected, 0);
    await viewer.untilMessages(201);
    assert.deepEqual(offsets(viewer.events), range(1, 201));
    assert.equal(ys(viewer.events).at(-1), 401);
    viewer.socket.close();
  });

  it('refuses what cannot be a line before sending anything; the stream goes on', async () => {
    const producer = createProducer(`${relay.url}/`, 'node2');
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    assert.throws(() => producer.write(cycle), TypeError);
    assert.throws(() => producer.write('{"y": 1}\n{"y": 2}'), /one line/);
    assert.throws(() => producer.write([1] as unknown as Record<string, unknown>), /JSON object/);
    producer.write({ y: 1 });
    assert.equal((await producer.close()).accepted, 1);
    assert.throws(() => producer.write({ y: 2 }), /closed/);
    assert.throws(() => createProducer(`${relay.url}/`, 'not a token'), TypeError);
    assert.throws(() => createProducer('ftp://relay/', 'A'), /http: or https:/);
  });

  it('backpressure: write() says false when the socket is full, and drain says when to go on', async () => {
    const producer = createProducer(`${relay.url}/`, 'node3');
    let writes = 0;
    let full = false;
    const text = 'x'.repeat(2000);
    while (!full && writes < 100_000) full = !producer.write({ y: ++writes, text });
    assert.ok(full, 'the socket filled up');
    await new Promise<void>((resolve) => producer.once('drain', () => resolve()));
    producer.write({ y: ++writes, text });
    const summary = await producer.close();
    assert.equal(summary.accepted, writes);
  });

  it('heartbeats keep an idle stream open past the relay idle timeout', async () => {
    const producer = createProducer(`${relay.url}/`, 'node4', { heartbeatMs: 100 });
    let reconnects = 0;
    producer.on('reconnect', () => reconnects++);
    producer.write({ y: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // 2.5 idle timeouts
    producer.write({ y: 2 });
    const summary = await producer.close();
    assert.equal(reconnects, 0, 'never ended by the relay');
    assert.equal(summary.accepted, 2);
    assert.ok(summary.heartbeats >= 5, `${summary.heartbeats} heartbeats`);
  });

  it('when the relay ends the stream (another producer took the token), the next write opens a new one', async () => {
    const viewer = await wsSubscribe(relay.url, 'token=node5&runs=1');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    const producer = createProducer(`${relay.url}/`, 'node5', { heartbeatMs: 60_000, backoff: { initialMs: 50 } });
    const reasons: string[] = [];
    producer.on('reconnect', ({ reason }) => reasons.push(reason));
    producer.write({ y: 1 });
    await viewer.untilMessages(1);
    const other = createProducer(`${relay.url}/`, 'node5');
    other.write({ y: 2 });
    await other.close();
    await eventually(() => reasons.length === 1, 'the first stream ended');
    assert.match(reasons[0] as string, /taken over|another/i);
    producer.write({ y: 3 });
    producer.write({ y: 4 });
    await viewer.untilMessages(4);
    assert.deepEqual(ys(viewer.events), [1, 2, 3, 4]);
    await producer.close();
    viewer.socket.close();
  });

  it('after an idle timeout the next write reconnects; a refused stream (bad key) stops with the reason', async () => {
    const producer = createProducer(`${relay.url}/`, 'node6', { heartbeatMs: 60_000, backoff: { initialMs: 10 } });
    const ended = new Promise((resolve) => producer.once('reconnect', resolve));
    producer.write({ y: 1 });
    await ended; // 408 after 400 ms without a byte
    producer.write({ y: 2 });
    const summary = await producer.close();
    assert.equal(summary.accepted, 1, 'the second stream took the second line');

    const keyedRelay = await createRelay({ port: 0, keys: { secret: 'k3y' }, log: () => undefined });
    const refused = createProducer(`${keyedRelay.url}/`, 'secret', { key: 'wrong' });
    const error = new Promise<ProducerRefusedError>((resolve) => refused.once('refused', resolve));
    refused.write({ y: 1 });
    const e = await error;
    assert.equal(e.status, 401);
    assert.throws(() => refused.write({ y: 2 }), ProducerRefusedError);
    const keyed = createProducer(`${keyedRelay.url}/`, 'secret', { key: 'k3y' });
    keyed.write({ y: 1 });
    assert.equal((await keyed.close()).accepted, 1);
    await keyedRelay.close();
  });

  it('lines written while the relay is down wait and go once it is back, in order', async () => {
    const first = await createRelay({ port: 0, log: () => undefined });
    const port = Number(new URL(first.url).port);
    await first.close();
    const producer = createProducer(`http://127.0.0.1:${port}/`, 'node7', { backoff: { initialMs: 50, maxMs: 200 } });
    let failures = 0;
    producer.on('reconnect', () => failures++);
    for (let i = 1; i <= 5; i++) producer.write({ y: i });
    await eventually(() => failures >= 2, 'a few failed connects');
    const back = await createRelay({ port, log: () => undefined });
    const viewer = await wsSubscribe(back.url, 'token=node7');
    await viewer.untilMessages(5);
    assert.deepEqual(ys(viewer.events), [1, 2, 3, 4, 5]);
    assert.equal((await producer.close()).accepted, 5);
    viewer.socket.close();
    await back.close();
  });
});
