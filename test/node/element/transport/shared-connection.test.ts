import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { StreamEvent } from '../../../../src/element/transport/connection.js';
import { ConnectionPool, type ShareOptions } from '../../../../src/element/transport/shared-connection.js';
import type { TransportHandlers, TransportKind } from '../../../../src/element/transport/types.js';
import { runMessages } from '../../../../src/shared/protocol.js';

interface FakeTransport {
  kind: TransportKind;
  url: URL;
  handlers: TransportHandlers;
  closed: boolean;
  sent: string[];
}

/** A fake relay side: transports the pool opened, and what they were sent up. */
function setup(transport: ShareOptions['transport'] = 'websocket') {
  const opened: FakeTransport[] = [];
  const pool = new ConnectionPool();
  const options: ShareOptions = {
    src: 'http://relay.test',
    transport,
    staleAfter: 10_000,
    backoff: { baseMs: 100, capMs: 1000, random: () => 0.999 },
    open: (kind, url, handlers) => {
      const fake: FakeTransport = { kind, url, handlers, closed: false, sent: [] };
      opened.push(fake);
      return {
        close: () => void (fake.closed = true),
        send: (text) => {
          fake.sent.push(text);
          return true;
        },
      };
    },
  };
  const chart = (tokens: string[]) => {
    const events: StreamEvent[] = [];
    const states: string[] = [];
    const errors: string[] = [];
    const lease = pool.join(options, tokens, {
      onEvents: (e) => events.push(...e),
      onState: (s) => states.push(s),
      onError: (code, message) => errors.push(`${code}: ${message}`),
    });
    return {
      lease,
      events,
      states,
      errors,
      ys: (token: string) =>
        events.flatMap((e) => (e.type === 'run' && e.token === token ? runMessages(e).map((m) => m?.['y']) : [])),
    };
  };
  const frame = (t: FakeTransport, events: object[]) => t.handlers.onFrame(JSON.stringify(events));
  const data = (token: string, offset: number) => ({ type: 'data', token, epoch: 'e', offset, message: { y: offset } });
  const accept = (t: FakeTransport, control = true) => {
    t.handlers.onOpen();
    frame(t, [control ? { type: 'ready', control: 1, maxTokens: 3 } : { type: 'ready' }]);
  };
  return { pool, options, opened, chart, frame, data, accept };
}

describe('shared connections (one per relay per page)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] }));
  afterEach(() => mock.timers.reset());

  it('charts on one relay share one connection with the union of their tokens; each gets only its own', async () => {
    const t = setup();
    const a = t.chart(['A']);
    const b = t.chart(['B', 'A']);
    await Promise.resolve(); // charts made in one task connect together
    assert.equal(t.opened.length, 1);
    assert.deepEqual(t.opened[0]?.url.searchParams.getAll('token'), ['A', 'B']);
    const live = t.opened[0] as FakeTransport;
    t.accept(live);
    t.frame(live, [
      { type: 'reset', token: 'A', epoch: 'e', offset: 0 },
      t.data('A', 1),
      { type: 'reset', token: 'B', epoch: 'e', offset: 0 },
      t.data('B', 1),
    ]);
    assert.deepEqual(a.ys('A'), [1]);
    assert.deepEqual(a.ys('B'), []);
    assert.deepEqual([b.ys('A'), b.ys('B')], [[1], [1]]);
    assert.equal(a.states.at(-1), 'live');
    assert.equal(t.pool.size, 1);
  });

  it("a hosted chart's figure event reaches every chart on the connection; one without a revision is a protocol error", async () => {
    const t = setup();
    const a = t.chart(['A']);
    const b = t.chart(['B']);
    await Promise.resolve();
    const live = t.opened[0] as FakeTransport;
    t.accept(live);
    t.frame(live, [
      { type: 'figure', revision: 2, figure: { data: [] } },
      { type: 'figure', figure: { data: [] } },
    ]);
    for (const chart of [a, b]) assert.deepEqual(chart.events, [{ type: 'figure', revision: 2, figure: { data: [] } }]);
    assert.match(a.errors.join('\n'), /figure event without an integer revision/);
  });

  it('a chart that joins later gets its new token by a subscribe up the socket, and a held token whole, without disturbing the others', async () => {
    const t = setup();
    const a = t.chart(['A']);
    await Promise.resolve();
    const live = t.opened[0] as FakeTransport;
    t.accept(live);
    t.frame(live, [{ type: 'reset', token: 'A', epoch: 'e', offset: 0 }, t.data('A', 1), t.data('A', 2)]);
    const b = t.chart(['A', 'C']);
    assert.equal(t.opened.length, 1, 'no new connection');
    assert.deepEqual(
      live.sent.map((m) => JSON.parse(m)),
      [
        { type: 'unsubscribe', tokens: ['A'] },
        { type: 'subscribe', tokens: ['C', 'A'] },
      ],
    );
    // A point of A still on the way from before the subscribe: the new chart waits for A's reset.
    t.frame(live, [t.data('A', 3)]);
    // The relay answers the subscribe: A again from its history, C new.
    t.frame(live, [
      { type: 'reset', token: 'C', epoch: 'e', offset: 0 },
      t.data('C', 1),
      { type: 'reset', token: 'A', epoch: 'e', offset: 0 },
      t.data('A', 1),
      t.data('A', 2),
      t.data('A', 3),
      { type: 'ready', tokens: ['C', 'A'] },
      t.data('A', 4),
    ]);
    assert.deepEqual(a.ys('A'), [1, 2, 3, 4], 'the chart already there sees no reset, no duplicate');
    assert.equal(a.events.filter((e) => e.type === 'reset').length, 1);
    assert.deepEqual(b.ys('A'), [1, 2, 3, 4], 'the new chart gets the whole window, in order');
    assert.deepEqual(b.ys('C'), [1]);
  });

  it('a chart that leaves drops its tokens (unsubscribe); the last one closes the connection', async () => {
    const t = setup();
    const a = t.chart(['A']);
    await Promise.resolve();
    const live = t.opened[0] as FakeTransport;
    t.accept(live);
    const b = t.chart(['B']);
    b.lease.release();
    assert.deepEqual(
      live.sent.map((m) => JSON.parse(m)),
      [
        { type: 'subscribe', tokens: ['B'] },
        { type: 'unsubscribe', tokens: ['B'] },
      ],
    );
    t.frame(live, [{ type: 'reset', token: 'A', epoch: 'e', offset: 0 }, t.data('A', 1), t.data('B', 1)]);
    assert.deepEqual(b.events, [], 'nothing after it left');
    a.lease.release();
    assert.equal(live.closed, true);
    assert.equal(t.pool.size, 0);
  });

  it('over SSE (no control messages) a change reconnects, resuming the tokens kept', async () => {
    const t = setup('sse');
    const a = t.chart(['A']);
    await Promise.resolve();
    const first = t.opened[0] as FakeTransport;
    t.accept(first, false);
    t.frame(first, [{ type: 'reset', token: 'A', epoch: 'e', offset: 0 }, t.data('A', 1)]);
    t.chart(['B']);
    assert.equal(first.closed, true);
    const second = t.opened.at(-1) as FakeTransport;
    assert.deepEqual(second.url.searchParams.getAll('token'), ['A', 'B']);
    assert.deepEqual(second.url.searchParams.getAll('resume'), ['A:e:1']);
    t.accept(second, false);
    t.frame(second, [t.data('A', 2), { type: 'reset', token: 'B', epoch: 'e', offset: 0 }]);
    assert.deepEqual(a.ys('A'), [1, 2]);
  });

  it('over WebSocket to a relay that does not read control messages, a change reconnects instead', async () => {
    const t = setup();
    t.chart(['A']);
    await Promise.resolve();
    const first = t.opened[0] as FakeTransport;
    t.accept(first, false); // an older relay: a bare ready
    t.chart(['B']);
    assert.deepEqual(first.sent, [], 'nothing sent up a socket whose relay would not read it');
    assert.equal(first.closed, true);
    assert.deepEqual(t.opened.at(-1)?.url.searchParams.getAll('token'), ['A', 'B']);
  });

  it('more tokens than one subscription holds go over as few connections as needed', async () => {
    const t = setup();
    const a = t.chart(['A']);
    await Promise.resolve();
    t.accept(t.opened[0] as FakeTransport); // this relay takes 3 tokens a subscription
    const b = t.chart(['B', 'C', 'D', 'E']);
    await Promise.resolve();
    assert.equal(t.opened.length, 2);
    assert.deepEqual(t.opened[1]?.url.searchParams.getAll('token'), ['D', 'E']);
    t.accept(t.opened[1] as FakeTransport);
    assert.equal(b.states.at(-1), 'live');
    t.frame(t.opened[1] as FakeTransport, [{ type: 'reset', token: 'E', epoch: 'e', offset: 0 }, t.data('E', 1)]);
    assert.deepEqual(b.ys('E'), [1]);
    assert.deepEqual(a.events, []);
  });

  it('charts with other stale times share, the connection taking the shortest', async () => {
    const t = setup();
    const pool = t.pool;
    const lease = pool.join({ ...t.options, staleAfter: 50_000 }, ['A'], {
      onEvents: () => undefined,
      onState: () => undefined,
      onError: () => undefined,
    });
    const states: string[] = [];
    pool.join({ ...t.options, staleAfter: 2000 }, ['B'], {
      onEvents: () => undefined,
      onState: (s) => states.push(s),
      onError: () => undefined,
    });
    await Promise.resolve();
    assert.equal(t.opened.length, 1);
    t.accept(t.opened[0] as FakeTransport);
    mock.timers.tick(2500);
    assert.equal(states.at(-1), 'stale', 'silent past the shorter stale time');
    lease.release();
  });

  it('charts with other credentials or another relay do not share', () => {
    const t = setup();
    t.chart(['A']);
    const other = new ConnectionPool();
    assert.equal(other.size, 0);
    assert.equal(t.pool.size, 1);
  });
});
