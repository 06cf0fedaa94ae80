/**
 * An error thrown inside the relay while it serves a request (here: an engine given to createRelay
 * that throws for one token) is that request's 500, or its connection's close, and a log line that
 * names it; the relay serves everyone else on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryEngine } from '../../../src/relay/engines/memory-engine.js';
import { createRelay, type Relay } from '../../../src/relay/index.js';
import type { Engine, History, Listening, MessageListener } from '../../../src/relay/engines/engine.js';
import { get, openIngest, post, sseSubscribe, wsSubscribe } from '../../support/relay-clients.js';

/** A memory engine that throws (a bug, say) for the token `boom`, and from health() when told to. */
class ThrowingEngine implements Engine {
  readonly inner = new MemoryEngine({ messages: 100, bytes: 1e6 });
  healthThrows = false;

  publish(token: string, text: string, time: number): void {
    if (token === 'boom') throw new TypeError('publish exploded');
    this.inner.publish(token, text, time);
  }
  history(token: string, after?: number): History {
    if (token === 'boom') throw new TypeError('history exploded');
    return this.inner.history(token, after);
  }
  listen(token: string, listener: MessageListener): Listening {
    return this.inner.listen(token, listener);
  }
  health() {
    if (this.healthThrows) throw new TypeError('health exploded');
    return this.inner.health();
  }
  close(): void {
    this.inner.close();
  }
}

describe('errors inside the relay', () => {
  let relay: Relay;
  const engine = new ThrowingEngine();
  const logs: string[] = [];
  before(async () => {
    relay = await createRelay({ port: 0, engine, heartbeatMs: 200, log: (line) => logs.push(line) });
  });
  after(() => relay.close());

  /** A producer and a viewer of another token still work end to end. */
  async function othersServed(token: string): Promise<void> {
    const viewer = await wsSubscribe(relay.url, `token=${token}`);
    await viewer.until((events) => events.some((e) => e.type === 'ready'));
    const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': token });
    producer.write('{"y": 1}\n');
    producer.end();
    assert.equal((await producer.result).status, 200);
    await viewer.untilMessages(1);
    viewer.socket.close();
  }

  it('a route that throws answers 500 and logs where; the relay serves on', async () => {
    engine.healthThrows = true;
    const answer = await get(`${relay.url}/healthz`);
    engine.healthThrows = false;
    assert.equal(answer.status, 500);
    assert.match(answer.body, /internal error/);
    assert.ok(
      logs.some((line) => /request failed: TypeError: health exploded \| at /.test(line)),
      logs.join('\n'),
    );
    assert.equal(relay.metrics.internalErrors, 1);
    assert.equal((await get(`${relay.url}/healthz`)).status, 200);
    await othersServed('calm-1');
  });

  it('an engine whose publish throws: those lines are not stored (503 with the summary), others go on', async () => {
    const answer = await post(`${relay.url}/`, '{"y": 1}\n{"y": 2}\n', { 'plotly-streamtoken': 'boom' });
    assert.equal(answer.status, 503);
    const summary = JSON.parse(answer.body);
    assert.equal(summary.accepted, 0);
    assert.equal(summary.notStored, 2);
    assert.match(summary.errors[0].message, /publish exploded/);
    await othersServed('calm-2');
  });

  it('a subscription whose history read throws is closed with 1011 (WebSocket) or an error event (SSE)', async () => {
    const ws = await wsSubscribe(relay.url, 'token=boom');
    const closed = await ws.closed;
    assert.equal(closed.code, 1011);
    const sse = await sseSubscribe(relay.url, 'token=boom');
    await sse.ended;
    assert.ok(sse.events.some((e) => e.type === 'error'));
    await othersServed('calm-3');
  });

  it('the heartbeat and the live edge keep running after all of it', async () => {
    const viewer = await wsSubscribe(relay.url, 'token=calm-4');
    await viewer.until((events) => events.some((e) => e.type === 'heartbeat'));
    viewer.socket.close();
    assert.equal((await get(`${relay.url}/healthz`)).status, 200);
  });
});
