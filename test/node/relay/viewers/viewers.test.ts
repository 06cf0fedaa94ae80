/**
 * Viewers: the cap on a subscription's tokens, the counters of /metrics, a read token's expiry,
 * waiting for the engine (and starting once it is back), heartbeats, and closing them all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Engine, History, Listening, MessageListener } from '../../../../src/relay/engines/engine.js';
import { MemoryEngine } from '../../../../src/relay/engines/memory-engine.js';
import { RelayLog } from '../../../../src/relay/log.js';
import { Metrics } from '../../../../src/relay/metrics.js';
import { Fanout } from '../../../../src/relay/viewers/fanout.js';
import { Viewers } from '../../../../src/relay/viewers/viewers.js';
import { CloseCode, parseSubscribeRequest, type RelayEvent } from '../../../../src/shared/protocol.js';
import { eventually } from '../../../support/relay-clients.js';
import { recordingSink } from '../../../support/recording-sink.js';

/** A memory engine that can be taken away (as Redis can): health says so and reads fail. */
class AwayEngine implements Engine {
  readonly inner = new MemoryEngine({ messages: 100, bytes: 1e6 });
  away = false;
  publish(token: string, text: string, time: number): void {
    this.inner.publish(token, text, time);
  }
  history(token: string, after?: number): History | Promise<History> {
    if (this.away) return Promise.reject(new Error('engine away'));
    return this.inner.history(token, after);
  }
  listen(token: string, listener: MessageListener): Listening {
    return this.inner.listen(token, listener);
  }
  health() {
    return this.away ? { engine: 'test', ok: false, reason: 'away' } : { engine: 'test', ok: true };
  }
  close(): void {
    this.inner.close();
  }
}

function setup(engine: Engine = new MemoryEngine({ messages: 100, bytes: 1e6 })) {
  const metrics = new Metrics();
  const logged: string[] = [];
  const errors: unknown[] = [];
  const viewers = new Viewers(
    new Fanout(engine),
    metrics,
    new RelayLog((line) => logged.push(line)),
    { maxBufferedBytes: 1e6, maxTotalBufferedBytes: 1e7, maxTokensPerSubscription: 2 },
    (_where, error) => errors.push(error),
  );
  return { viewers, metrics, logged, errors };
}

const ask = (viewers: Viewers, query: string) => viewers.ask(parseSubscribeRequest(new URLSearchParams(query)));
const types = (events: RelayEvent[]) => events.map((e) => e.type);

describe('Viewers', () => {
  it('caps the tokens a subscription names and says which it did not take; bad tokens are said too', async () => {
    const { viewers } = setup();
    const asked = ask(viewers, 'token=A&token=B&token=C&token=bad%20one');
    assert.deepEqual(asked.request.tokens, ['A', 'B']);
    assert.deepEqual(asked.tooMany, ['C']);
    const { sink, events } = recordingSink();
    const { done } = viewers.subscribe('sse', sink, asked, null);
    await eventually(() => types(events()).includes('ready'), 'ready');
    const said = events().filter((e) => e.type === 'error') as Array<{ code?: string; tokens?: string[] }>;
    assert.equal(said.length, 2, JSON.stringify(said));
    done();
  });

  it('counts open viewers by kind and by token, and done() undoes the counts once however often it is called', async () => {
    const { viewers, metrics } = setup();
    const { sink } = recordingSink();
    const { done } = viewers.subscribe('websocket', sink, ask(viewers, 'token=A'), null);
    assert.equal(viewers.size, 1);
    assert.equal(metrics.connections.websocket, 1);
    assert.equal(metrics.token('A').subscribers, 1);
    done();
    done();
    assert.equal(viewers.size, 0);
    assert.equal(metrics.connections.websocket, 0);
    assert.equal(metrics.token('A').subscribers, 0);
  });

  it('a WebSocket viewer is told it may send control messages and its cap; an SSE viewer is not', async () => {
    const { viewers } = setup();
    const ws = recordingSink();
    const sse = recordingSink();
    viewers.subscribe('websocket', ws.sink, ask(viewers, 'token=A'), null);
    viewers.subscribe('sse', sse.sink, ask(viewers, 'token=A'), null);
    await eventually(() => types(ws.events()).includes('ready') && types(sse.events()).includes('ready'), 'ready');
    const ready = (events: RelayEvent[]) =>
      events.find((e) => e.type === 'ready') as unknown as Record<string, unknown>;
    assert.equal(ready(ws.events())['maxTokens'], 2);
    assert.equal(ready(sse.events())['maxTokens'], undefined);
    viewers.closeAll(CloseCode.goingAway, 'bye');
  });

  it('ends a viewer when its read token expires (4401), and counts it', async () => {
    const { viewers, metrics } = setup();
    const { sink, calls } = recordingSink();
    viewers.subscribe('websocket', sink, ask(viewers, 'token=A'), { streams: ['A'], expiresAt: Date.now() + 50 });
    await eventually(() => calls.some((c) => c.startsWith(`close ${CloseCode.unauthorized}`)), 'the expiry');
    assert.equal(viewers.size, 0);
    assert.equal(metrics.toJSON(() => ({ messages: 0, bytes: 0 })).refused['read-expired'], 1);
  });

  it('a viewer that subscribes while the engine is away stays connected and starts once the engine is back', async () => {
    const engine = new AwayEngine();
    engine.publish('A', '{"y":1}', 1);
    engine.away = true;
    const { viewers, logged } = setup(engine);
    const { sink, events, calls } = recordingSink();
    viewers.subscribe('sse', sink, ask(viewers, 'token=A'), null);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(types(events()), [], 'nothing while the engine is away');
    assert.deepEqual(calls, [], 'not closed');
    engine.away = false;
    await eventually(() => types(events()).includes('ready'), 'the start once the engine is back');
    assert.deepEqual(types(events()), ['reset', 'data', 'ready']);
    assert.deepEqual(logged, []);
    viewers.closeAll(CloseCode.goingAway, 'bye');
  });

  it('a viewer whose history cannot be read while the engine is healthy is closed (1011) and logged', async () => {
    const engine = new AwayEngine();
    engine.history = () => Promise.reject(new Error('a broken read'));
    const { viewers, logged } = setup(engine);
    const { sink, calls } = recordingSink();
    viewers.subscribe('sse', sink, ask(viewers, 'token=A'), null);
    await eventually(() => calls.some((c) => c.startsWith(`close ${CloseCode.internalError}`)), 'the close');
    assert.match(logged.join('\n'), /subscription to A failed: a broken read/);
  });

  it('heartbeat() reaches every viewer while the engine is healthy; closeAll() closes every one with its code', async () => {
    const { viewers } = setup();
    const sinks = [recordingSink(), recordingSink()];
    for (const { sink } of sinks) viewers.subscribe('sse', sink, ask(viewers, 'token=A'), null);
    await eventually(() => sinks.every((s) => types(s.events()).includes('ready')), 'ready');
    viewers.heartbeat();
    await eventually(() => sinks.every((s) => types(s.events()).includes('heartbeat')), 'heartbeats');
    viewers.closeAll(CloseCode.goingAway, 'the relay is shutting down');
    for (const { calls } of sinks) assert.ok(calls.includes(`close ${CloseCode.goingAway} the relay is shutting down`));
  });
});
