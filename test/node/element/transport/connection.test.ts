import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { encodeData, encodeFrame, encodeRun, runMessages, type RunEvent } from '../../../../src/shared/protocol.js';
import type { StreamEvent } from '../../../../src/element/transport/connection.js';
import { RelayConnection, type ConnectionOptions } from '../../../../src/element/transport/connection.js';
import type { TransportHandlers, TransportKind } from '../../../../src/element/transport/types.js';

interface FakeTransport {
  kind: TransportKind;
  url: URL;
  handlers: TransportHandlers;
  closed: boolean;
}

function setup(overrides: Partial<ConnectionOptions> = {}) {
  const opened: FakeTransport[] = [];
  const states: string[] = [];
  const errors: string[] = [];
  const events: StreamEvent[] = [];
  const connection = new RelayConnection({
    src: 'http://relay.test',
    tokens: ['A'],
    transport: 'auto',
    staleAfter: 1000,
    backoff: { baseMs: 100, capMs: 1000, random: () => 0.999 },
    open: (kind, url, handlers) => {
      const fake: FakeTransport = { kind, url, handlers, closed: false };
      opened.push(fake);
      return { close: () => void (fake.closed = true) };
    },
    onEvents: (e) => events.push(...e),
    onState: (state, reason) => states.push(`${state}: ${reason}`),
    onError: (code, message) => errors.push(`${code}: ${message}`),
    ...overrides,
  });
  const last = () => opened[opened.length - 1] as FakeTransport;
  /** The relay accepts the subscription: open, then its first frame. */
  const accept = (frame = '{"type":"ready"}') => {
    last().handlers.onOpen();
    last().handlers.onFrame(frame);
  };
  const drop = (retry = true) => last().handlers.onClose({ reason: 'dropped', retry });
  return { connection, opened, states, errors, events, last, accept, drop };
}

/**
 * Node 20's mock timers run every timer due within one tick() at the tick's end time, even one
 * cleared by an earlier callback: advance in small steps, as real time would.
 */
function advance(ms: number, step = 10): void {
  for (let done = 0; done < ms; done += step) mock.timers.tick(Math.min(step, ms - done));
}

describe('RelayConnection', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] }));
  afterEach(() => mock.timers.reset());

  it('is live only once the relay sends its first frame', () => {
    const t = setup();
    t.connection.start();
    assert.equal(t.connection.state, 'connecting');
    t.last().handlers.onOpen();
    assert.equal(t.connection.state, 'connecting');
    t.last().handlers.onFrame('{"type":"ready"}');
    assert.equal(t.connection.state, 'live');
    assert.equal(t.last().url.href, 'ws://relay.test/subscribe?token=A&runs=1&columns=1');
  });

  it('backs off exponentially with full jitter, capped, and resets after a stable connection', () => {
    const t = setup({ staleAfter: 60_000 });
    t.connection.start();
    t.accept();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = t.opened.length;
      t.drop();
      let waited = 0;
      while (t.opened.length === before) {
        mock.timers.tick(1);
        waited++;
      }
      delays.push(waited);
      t.accept();
    }
    // random() = 0.999: the ceiling each time, 100 * 2^n capped at 1000.
    assert.deepEqual(delays, [99, 199, 399, 799, 999, 999]);
    // A connection that stays up for 10 s resets the count.
    advance(9_990, 100);
    let before = t.opened.length;
    t.drop();
    mock.timers.tick(99);
    assert.equal(t.opened.length, before, 'up for less than 10 s: the count goes on');
    mock.timers.tick(901);
    assert.equal(t.opened.length, before + 1);
    t.accept();
    advance(10_000, 100);
    before = t.opened.length;
    t.drop();
    mock.timers.tick(99);
    assert.equal(t.opened.length, before + 1);
  });

  it('in auto, goes to SSE at once when the WebSocket never delivers a frame, and stays there', () => {
    const t = setup();
    t.connection.start();
    assert.equal(t.last().kind, 'websocket');
    t.drop();
    assert.equal(t.opened.length, 2, 'no backoff before the fallback');
    assert.equal(t.last().kind, 'sse');
    assert.equal(t.last().url.href, 'http://relay.test/subscribe?token=A&runs=1&columns=1');
    t.accept();
    t.drop();
    advance(1000);
    assert.equal(t.last().kind, 'sse');
  });

  it('in auto, keeps to WebSocket once it worked', () => {
    const t = setup();
    t.connection.start();
    t.accept();
    t.drop();
    advance(1000);
    assert.equal(t.last().kind, 'websocket');
  });

  it('with a fixed transport, never switches', () => {
    const t = setup({ transport: 'websocket' });
    t.connection.start();
    t.drop();
    advance(1000);
    assert.deepEqual(
      t.opened.map((o) => o.kind),
      ['websocket', 'websocket'],
    );
  });

  it('resumes from the last positions, drops duplicates, and takes reset positions', () => {
    const t = setup({ tokens: ['A', 'B'] });
    t.connection.start();
    t.accept(
      JSON.stringify([
        { type: 'reset', token: 'A', epoch: 'e', offset: 4 },
        { type: 'data', token: 'A', epoch: 'e', offset: 5, message: { y: 5 } },
        { type: 'data', token: 'A', epoch: 'e', offset: 5, message: { y: 5 } },
        { type: 'data', token: 'B', epoch: 'f', offset: 1, message: { y: 1 } },
        { type: 'ready' },
      ]),
    );
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['reset', 'run', 'run'],
    );
    t.drop();
    advance(1000);
    assert.deepEqual(t.last().url.searchParams.getAll('resume'), ['A:e:5', 'B:f:1']);
  });

  it('runs: hands on only what it lacks (an overlap trimmed), and resumes after the last message of the last run', () => {
    const t = setup({ tokens: ['A'] });
    t.connection.start();
    const run = (offset: number, count: number) =>
      encodeRun(
        'A',
        'e',
        offset,
        Array.from({ length: count }, (_, i) => 100 + offset + i),
        Array.from({ length: count }, (_, i) => `{"y":${offset + i}}`),
      );
    t.accept(encodeFrame(['{"type":"reset","token":"A","epoch":"e","offset":0}', run(1, 5), '{"type":"ready"}']));
    t.last().handlers.onFrame(encodeFrame([run(3, 6), encodeData('A', 'e', 8, 0, '{"y":8}'), run(9, 1)]));
    const runs = t.events.filter((e): e is RunEvent => e.type === 'run');
    assert.deepEqual(
      runs.map((r) => [r.offset, runMessages(r).map((m) => m?.['y'])]),
      [
        [1, [1, 2, 3, 4, 5]],
        [6, [6, 7, 8]],
        [9, [9]],
      ],
    );
    assert.equal(runs[1]?.time, 106, 'the trimmed run keeps its own times');
    t.drop();
    advance(1000);
    assert.deepEqual(t.last().url.searchParams.getAll('resume'), ['A:e:9']);
  });

  it('goes stale after staleAfter of silence, live on the next frame, reconnects after twice that', () => {
    const t = setup();
    t.connection.start();
    t.accept();
    advance(1000);
    assert.equal(t.connection.state, 'stale');
    t.last().handlers.onFrame('{"type":"heartbeat"}');
    assert.equal(t.connection.state, 'live');
    advance(2000);
    assert.equal(t.opened.length, 2);
    assert.equal(t.opened[0]?.closed, true);
    assert.match(t.states.at(-1) as string, /reconnecting: no data or heartbeat/);
  });

  it('stops when the relay refuses the request (no retry), with an error', () => {
    const t = setup();
    t.connection.start();
    t.accept();
    t.drop(false);
    advance(60_000, 100);
    assert.equal(t.connection.state, 'closed');
    assert.equal(t.opened.length, 1);
    assert.match(t.errors[0] as string, /refused the subscription/);
  });

  it('reports a src that is not a URL and closes', () => {
    const t = setup({ src: 'http://[bad' });
    t.connection.start();
    assert.equal(t.connection.state, 'closed');
    assert.match(t.errors[0] as string, /src is not a valid URL/);
  });

  it('close() stops everything: no retry, no silence watch', () => {
    const t = setup();
    t.connection.start();
    t.accept();
    t.drop();
    t.connection.close();
    advance(120_000, 100);
    assert.equal(t.opened.length, 1);
    assert.equal(t.connection.state, 'closed');
  });

  it('counts reconnects', () => {
    const t = setup();
    t.connection.start();
    t.accept();
    t.connection.reconnect();
    t.accept();
    assert.equal(t.connection.reconnects, 1);
  });

  it('asks accessToken before every open and sends what it gives; a late answer after close is dropped', async () => {
    let asked = 0;
    const t = setup({ accessToken: () => `jwt${++asked}` });
    t.connection.start();
    assert.equal(t.last().url.searchParams.get('access_token'), 'jwt1');
    t.accept();
    t.drop();
    advance(1000);
    assert.equal(t.opened.length, 2);
    assert.equal(t.last().url.searchParams.get('access_token'), 'jwt2');
    // A promise: the transport opens once it resolves, unless the connection closed meanwhile.
    let resolve: (token: string) => void = () => undefined;
    const slow = setup({ accessToken: () => new Promise<string>((r) => (resolve = r)) });
    slow.connection.start();
    assert.equal(slow.opened.length, 0);
    resolve('later');
    await Promise.resolve();
    assert.equal(slow.last().url.searchParams.get('access_token'), 'later');
    const closed = setup({ accessToken: () => new Promise<string>((r) => (resolve = r)) });
    closed.connection.start();
    closed.connection.close();
    resolve('too late');
    await Promise.resolve();
    assert.equal(closed.opened.length, 0);
  });

  it('a refused token (4401 / 4403) is an unauthorized or forbidden error and stops the connection', () => {
    for (const refusal of ['unauthorized', 'forbidden'] as const) {
      const t = setup({ accessToken: () => 'jwt' });
      t.connection.start();
      t.last().handlers.onClose({ reason: 'websocket closed (4401)', retry: false, refusal });
      assert.equal(t.connection.state, 'closed');
      assert.equal(t.errors.length, 1);
      assert.match(t.errors[0] as string, new RegExp(`^${refusal}: the relay refused the subscription`));
      advance(5000);
      assert.equal(t.opened.length, 1, 'no retry with the same token');
    }
  });

  it("a refused page (its origin) stops the connection even with a token function, saying the relay's words", () => {
    const said = 'origin not allowed: start the relay with --allow-origin null to serve pages at null';
    for (const transport of ['websocket', 'sse'] as const) {
      const t = setup({ transport, accessToken: () => 'jwt', refreshableToken: true });
      t.connection.start();
      t.last().handlers.onClose({ reason: `closed (4403: ${said})`, retry: false, refusal: 'forbidden', said });
      assert.equal(t.connection.state, 'closed');
      assert.equal(t.states.at(-1), `closed: forbidden: ${said}`);
      assert.equal(t.errors.length, 1);
      assert.equal(
        t.errors[0],
        `forbidden: the relay refused the subscription (this page's origin is not allowed): ${said}`,
      );
      advance(60_000);
      assert.equal(t.opened.length, 1, 'no retry: no token changes a page origin');
    }
  });

  it('with a token function, a refusal is retried with backoff, asking again', () => {
    let asked = 0;
    const t = setup({ accessToken: () => `jwt${++asked}`, refreshableToken: true });
    t.connection.start();
    t.last().handlers.onClose({ reason: 'websocket closed (4401)', retry: false, refusal: 'unauthorized' });
    assert.equal(t.connection.state, 'reconnecting');
    advance(1000);
    assert.equal(t.opened.length, 2);
    assert.equal(t.last().url.searchParams.get('access_token'), 'jwt2');
    t.accept();
    assert.equal(t.connection.state, 'live');
  });

  it('an unauthorized event on SSE (the token expired) ends the stream like 4401; data before it is kept', () => {
    const t = setup({ transport: 'sse', accessToken: () => 'jwt', refreshableToken: true });
    t.connection.start();
    t.accept();
    t.last().handlers.onFrame(
      '[{"type":"data","token":"A","epoch":"e","offset":1,"message":{"y":1}},{"type":"error","code":"unauthorized","message":"the read token has expired"}]',
    );
    assert.equal(t.events.length, 1);
    assert.equal(t.last().closed, true);
    assert.match(t.errors.at(-1) as string, /^unauthorized: .*expired/);
    assert.equal(t.connection.state, 'reconnecting');
    advance(1000);
    assert.equal(t.opened.length, 2);
    assert.equal(t.last().url.searchParams.get('resume'), 'A:e:1', 'it resumes after what it had');
  });

  it('an accessToken that throws or rejects is a connection error, retried with backoff', async () => {
    let calls = 0;
    const t = setup({
      accessToken: () => {
        calls++;
        if (calls === 1) throw new Error('no session');
        return Promise.reject(new Error('backend down'));
      },
    });
    t.connection.start();
    assert.match(t.errors[0] as string, /^connection: accessToken failed: no session/);
    assert.equal(t.connection.state, 'reconnecting');
    advance(1000);
    await Promise.resolve();
    await Promise.resolve();
    assert.match(t.errors[1] as string, /backend down/);
    assert.equal(t.opened.length, 0);
  });
});
