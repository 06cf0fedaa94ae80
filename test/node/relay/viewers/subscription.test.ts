import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { kernelSockets } from '../../../../scripts/kernel-sockets.js';
import { CloseCode, type DataEvent, type RelayEvent } from '../../../../src/shared/protocol.js';
import { MemoryEngine } from '../../../../src/relay/engines/memory-engine.js';
import { createRelay, type Relay } from '../../../../src/relay/index.js';
import { Fanout } from '../../../../src/relay/viewers/fanout.js';
import { Subscription } from '../../../../src/relay/viewers/subscription.js';
import { recordingSink } from '../../../support/recording-sink.js';
import {
  dataOf,
  eventually,
  get,
  lines,
  offsets,
  openIngest,
  post,
  range,
  sseSubscribe,
  wsSubscribe,
  ys,
} from '../../../support/relay-clients.js';

const types = (events: RelayEvent[]) => events.map((e) => e.type);
const publish = async (relay: Relay, token: string, from: number, to: number) => {
  const result = await post(`${relay.url}/`, lines(from, to), { 'plotly-streamtoken': token });
  assert.equal(result.status, 200, result.body);
};

describe('relay fan-out', () => {
  let relay: Relay;
  before(async () => {
    relay = await createRelay({ port: 0, historyMessages: 50, heartbeatMs: 150, log: () => undefined });
  });
  after(() => relay.close());

  it('a WebSocket and an SSE subscriber receive the same messages, in order', async () => {
    const ws = await wsSubscribe(relay.url, 'token=same');
    const sse = await sseSubscribe(relay.url, 'token=same');
    await ws.until((e) => e.some((x) => x.type === 'ready'));
    await sse.until((e) => e.some((x) => x.type === 'ready'));
    const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'same' });
    for (let i = 1; i <= 300; i++) producer.write(`{"y": ${i}}\n`);
    producer.end();
    await producer.result;
    await ws.untilMessages(300);
    await sse.untilMessages(300);
    const expected = Array.from({ length: 300 }, (_, i) => i + 1);
    assert.deepEqual(ys(ws.events), expected);
    assert.deepEqual(ys(sse.events), expected);
    const offsets = ws.events.flatMap((e) => (e.type === 'data' ? [e.offset] : []));
    assert.deepEqual(offsets, expected, 'offsets start at 1 and grow by one');
    assert.ok(ws.frames.length < 300, `messages arriving together are batched (${ws.frames.length} frames)`);
    ws.socket.close();
    sse.close();
  });

  it('a new subscriber gets reset, the history window, ready, then live messages', async () => {
    await publish(relay, 'late', 1, 80); // history keeps the last 50
    const ws = await wsSubscribe(relay.url, 'token=late');
    await ws.until((e) => e.some((x) => x.type === 'ready'));
    const [reset] = ws.events;
    assert.equal(reset?.type, 'reset');
    if (reset?.type === 'reset') assert.equal(reset.offset, 30);
    assert.deepEqual(
      ys(ws.events),
      Array.from({ length: 50 }, (_, i) => 31 + i),
    );
    assert.equal(ws.events.at(-1)?.type, 'ready');
    await publish(relay, 'late', 81, 81);
    await ws.untilMessages(51);
    assert.equal(ys(ws.events).at(-1), 81);
    ws.socket.close();
  });

  it('resuming after a dropped WebSocket delivers exactly the missed messages, no reset', async () => {
    const first = await wsSubscribe(relay.url, 'token=resume');
    await publish(relay, 'resume', 1, 5);
    await first.untilMessages(5);
    const last = first.events.filter((e): e is DataEvent => e.type === 'data').at(-1) as DataEvent;
    first.socket.terminate();
    await publish(relay, 'resume', 6, 9);
    const second = await wsSubscribe(relay.url, `token=resume&resume=resume:${last.epoch}:${last.offset}`);
    await second.until((e) => e.some((x) => x.type === 'ready'));
    assert.deepEqual(types(second.events), ['data', 'data', 'data', 'data', 'ready']);
    assert.deepEqual(ys(second.events), [6, 7, 8, 9]);
    second.socket.close();
  });

  it('resuming SSE with Last-Event-ID (all positions of the subscription) works the same', async () => {
    const first = await sseSubscribe(relay.url, 'token=s1&token=s2');
    await publish(relay, 's1', 1, 3);
    await publish(relay, 's2', 1, 2);
    await first.until(() => first.messages.length === 5);
    assert.match(first.lastId ?? '', /^s1:[\w-]+:3,s2:[\w-]+:2$/);
    first.close();
    await publish(relay, 's1', 4, 4);
    await publish(relay, 's2', 3, 3);
    const second = await sseSubscribe(relay.url, 'token=s1&token=s2', { 'last-event-id': first.lastId as string });
    await second.until((e) => e.some((x) => x.type === 'ready'));
    assert.deepEqual(types(second.events), ['data', 'data', 'ready']);
    assert.deepEqual(ys(second.events), [4, 3]);
    second.close();
  });

  it('resuming from a position that left history gets reset and the window', async () => {
    const ws = await wsSubscribe(relay.url, 'token=gap');
    await publish(relay, 'gap', 1, 2);
    await ws.untilMessages(2);
    const epoch = (ws.events.find((e) => e.type === 'data') as DataEvent).epoch;
    ws.socket.close();
    await publish(relay, 'gap', 3, 100);
    const again = await wsSubscribe(relay.url, `token=gap&resume=gap:${epoch}:2`);
    await again.until((e) => e.some((x) => x.type === 'ready'));
    assert.equal(again.events[0]?.type, 'reset');
    assert.deepEqual(
      ys(again.events),
      Array.from({ length: 50 }, (_, i) => 51 + i),
    );
    again.socket.close();
  });

  it('a subscription without a valid token is refused: WebSocket 4400, SSE 400; bad tokens beside good ones are reported', async () => {
    const ws = await wsSubscribe(relay.url, 'token=has%20space');
    const closed = await ws.closed;
    assert.equal(closed.code, 4400);
    assert.match(closed.reason, /valid token/);
    const sse = await get(`${relay.url}/subscribe?token=`, { accept: 'text/event-stream' });
    assert.equal(sse.status, 400);
    const mixed = await wsSubscribe(relay.url, 'token=good&token=b%3Ad');
    await mixed.until((e) => e.some((x) => x.type === 'ready'));
    assert.deepEqual(
      mixed.events.map((e) => (e.type === 'error' ? `${e.code} ${e.message}` : e.type)),
      ['bad-token "b:d" is not a token (1-128 characters of A-Z a-z 0-9 _ . ~ -); not subscribed', 'ready'],
    );
    mixed.socket.close();
    // However many bad values a query holds, one event says how many (a hostile query cannot make
    // the relay write an event per value).
    const bad = Array.from({ length: 500 }, (_, i) => `token=bad%20${i}`).join('&');
    for (const viewer of [
      await wsSubscribe(relay.url, `token=good&${bad}`),
      await sseSubscribe(relay.url, `token=good&${bad}`),
    ]) {
      await viewer.until((e) => e.some((x) => x.type === 'ready'));
      const errors = viewer.events.filter((e) => e.type === 'error');
      assert.equal(errors.length, 1);
      assert.match(
        (errors[0] as { message: string }).message,
        /^500 values are not tokens \("bad 0", "bad 1", "bad 2", …\) \(1-128 characters .*\); not subscribed$/,
      );
      if ('socket' in viewer) viewer.socket.close();
      else viewer.close();
    }
  });

  it('GET /subscribe without an upgrade or Accept: text/event-stream gets 426; other methods 405', async () => {
    assert.equal((await get(`${relay.url}/subscribe?token=a`)).status, 426);
    assert.equal((await get(`${relay.url}/subscribe?token=a`, {}, 'POST')).status, 405);
  });

  it('sends heartbeats: an event on both transports, a keep-alive comment on SSE', async () => {
    const ws = await wsSubscribe(relay.url, 'token=hb');
    const sse = await sseSubscribe(relay.url, 'token=hb');
    await ws.until((e) => e.some((x) => x.type === 'heartbeat'));
    await sse.until((e) => e.some((x) => x.type === 'heartbeat'));
    assert.ok(sse.comments.includes(': keep-alive'));
    assert.equal(sse.response.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(sse.response.headers['x-accel-buffering'], 'no');
    assert.equal(sse.response.headers['access-control-allow-origin'], undefined, 'no page, no CORS header (never *)');
    ws.socket.close();
    sse.close();
  });

  it('terminates a WebSocket that stops answering pings', async () => {
    const socket = new WebSocket(`${relay.url.replace('http', 'ws')}/subscribe?token=ping`, { autoPong: false });
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    assert.equal(await closed, 1006);
  });
});

describe('relay slow subscribers', () => {
  it('resets a subscriber that never reads the moment it passes the limit, while a normal one keeps up', async () => {
    const logs: string[] = [];
    const relay = await createRelay({
      port: 0,
      maxBufferedBytes: 256 * 1024,
      historyMessages: 100_000,
      historyBytes: 1e9,
      log: (l) => logs.push(l),
    });
    try {
      const slow = await wsSubscribe(relay.url, 'token=crowd');
      const slowSse = await sseSubscribe(relay.url, 'token=crowd');
      const fast = await wsSubscribe(relay.url, 'token=crowd');
      await slow.until((e) => e.some((x) => x.type === 'ready'));
      await slowSse.until((e) => e.some((x) => x.type === 'ready'));
      // The slow viewers' processes stop reading their sockets, and never read again.
      const slowRaw = (slow.socket as unknown as { _socket: net.Socket })._socket;
      slowRaw.pause();
      slowSse.response.pause();
      const sseRaw = slowSse.response.socket;
      const ports = [slowRaw.localPort, sseRaw.localPort];
      const payload = 'x'.repeat(200);
      const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'crowd' });
      for (let i = 1; i <= 20_000; i++) producer.write(`{"y": ${i}, "text": "${payload}"}\n`);
      producer.end();
      assert.equal((await producer.result).status, 200);
      await fast.untilMessages(20_000, 20_000);
      assert.deepEqual(
        ys(fast.events),
        Array.from({ length: 20_000 }, (_, i) => i + 1),
      );
      // Reset, not closed behind megabytes the viewer will never read: the relay's kernel holds no
      // connection to either (a graceful end would sit in FIN_WAIT with its send queue full).
      await eventually(
        () => kernelSockets(relay.port).every((s) => !ports.includes(s.remotePort)),
        'the relay to hold no connection to the slow viewers',
      );
      // Reading again, each slow viewer finds its connection gone, most of the stream never sent.
      (slow.socket as unknown as { _socket: net.Socket })._socket.resume();
      slowSse.response.resume();
      assert.equal((await slow.closed).code, 1006);
      await slowSse.ended;
      assert.ok(slow.messages.length < 20_000 && slowSse.messages.length < 20_000);
      assert.equal(logs.filter((l) => / subscriber of crowd cut off: it did not keep up/.test(l)).length, 2);
      const metrics = JSON.parse((await get(`${relay.url}/metrics?format=json`)).body);
      assert.equal(metrics.tokens.crowd.slowDisconnects, 2);
      assert.equal(metrics.connections.websocket, 1);
      assert.equal(metrics.connections.sse, 0);
      fast.socket.close();
    } finally {
      await relay.close();
    }
  });
});

describe('relay replays larger than the per-viewer limit', () => {
  it('a viewer that reads gets a history or resume bigger than maxBufferedBytes whole, then live messages', async () => {
    const relay = await createRelay({
      port: 0,
      maxBufferedBytes: 64 * 1024,
      historyMessages: 100_000,
      historyBytes: 1e9,
      log: () => undefined,
    });
    try {
      const text = 'x'.repeat(200);
      const lines = (from: number, to: number) =>
        Array.from({ length: to - from + 1 }, (_, i) => `{"y": ${from + i}, "text": "${text}"}\n`).join('');
      await post(`${relay.url}/`, lines(1, 2000), { 'plotly-streamtoken': 'big' }); // ~440 KB of history
      const viewer = await wsSubscribe(relay.url, 'token=big');
      await viewer.untilMessages(2000);
      await post(`${relay.url}/`, lines(2001, 2010), { 'plotly-streamtoken': 'big' });
      await viewer.untilMessages(2010);
      assert.deepEqual(
        ys(viewer.events),
        Array.from({ length: 2010 }, (_, i) => i + 1),
      );
      const last = viewer.events.filter((e) => e.type === 'data').at(-1) as { epoch: string; offset: number };
      viewer.socket.close();
      // A resume that missed more than the limit gets all it missed too.
      await post(`${relay.url}/`, lines(2011, 4000), { 'plotly-streamtoken': 'big' });
      const resumed = await wsSubscribe(relay.url, `token=big&resume=big:${last.epoch}:${last.offset}`);
      await resumed.untilMessages(1990);
      assert.deepEqual(
        ys(resumed.events),
        Array.from({ length: 1990 }, (_, i) => 2011 + i),
      );
      assert.equal(resumed.socket.readyState, resumed.socket.OPEN);
      resumed.socket.close();
    } finally {
      await relay.close();
    }
  });
});

describe('relay restarts', () => {
  it('a new epoch after a restart gives reset to a resuming subscriber', async () => {
    const first = await createRelay({ port: 0, log: () => undefined });
    const ws = await wsSubscribe(first.url, 'token=epoch');
    await publish(first, 'epoch', 1, 3);
    await ws.untilMessages(3);
    const old = ws.events.find((e) => e.type === 'data') as DataEvent;
    await first.close();
    const second = await createRelay({ port: 0, log: () => undefined });
    try {
      await publish(second, 'epoch', 1, 1);
      const again = await wsSubscribe(second.url, `token=epoch&resume=epoch:${old.epoch}:3`);
      await again.until((e) => e.some((x) => x.type === 'ready'));
      assert.deepEqual(types(again.events), ['reset', 'data', 'ready']);
      const reset = again.events[0];
      assert.ok(reset?.type === 'reset' && reset.epoch !== old.epoch);
      again.socket.close();
    } finally {
      await second.close();
    }
  });
});

const quiet = {
  onTooSlow: () => undefined,
  onReset: () => undefined,
  onError: (error: unknown) => assert.fail(String(error)),
};

describe('Subscription (on a recording sink)', () => {
  it('sends reset, history and ready as one frame, then batches what arrives between two sends, in order', async () => {
    const engine = new MemoryEngine({ messages: 10, bytes: 1e6 });
    engine.publish('A', '{"y":1}', 1);
    const { sink, frames, nextFrame, events } = recordingSink();
    const subscription = new Subscription(new Fanout(engine), ['A'], sink, { maxBufferedBytes: 1e6 }, quiet);
    const first = nextFrame();
    await subscription.start(new Map());
    await first;
    assert.deepEqual(types(events()), ['reset', 'data', 'ready']);
    const second = nextFrame();
    for (const y of [2, 3, 4]) engine.publish('A', `{"y":${y}}`, y);
    await second;
    assert.equal(frames.length, 2, 'three messages in one tick: one frame');
    assert.deepEqual(ys(events()), [1, 2, 3, 4]);
    subscription.close();
  });

  it('heartbeat() queues a heartbeat event and asks the sink for its own keep-alive (ping, comment line)', async () => {
    const engine = new MemoryEngine({ messages: 10, bytes: 1e6 });
    const { sink, calls, nextFrame, events } = recordingSink();
    const subscription = new Subscription(new Fanout(engine), ['A'], sink, { maxBufferedBytes: 1e6 }, quiet);
    const ready = nextFrame();
    await subscription.start(new Map());
    await ready;
    const beat = nextFrame();
    subscription.heartbeat();
    await beat;
    assert.deepEqual(calls, ['keepAlive']);
    assert.equal(events().at(-1)?.type, 'heartbeat');
    subscription.close();
    subscription.heartbeat();
    assert.deepEqual(calls, ['keepAlive'], 'a closed subscription keeps nothing alive');
  });

  it('cuts off a viewer whose unsent bytes pass the limit, with the tooSlow close code', async () => {
    const engine = new MemoryEngine({ messages: 10, bytes: 1e6 });
    const tooSlow: string[][] = [];
    const { sink, calls } = recordingSink(5000);
    const subscription = new Subscription(
      new Fanout(engine),
      ['A', 'B'],
      sink,
      { maxBufferedBytes: 4096 },
      {
        ...quiet,
        onTooSlow: (t) => tooSlow.push([...t]),
      },
    );
    await subscription.start(new Map());
    assert.equal(subscription.closed, true);
    assert.deepEqual(tooSlow, [['A', 'B']]);
    assert.equal(calls.length, 1);
    assert.match(calls[0] as string, new RegExp(`^close ${CloseCode.tooSlow} too slow`));
  });

  it('at the live edge, viewers get one frame per tick built once: the same bytes for all', async () => {
    const engine = new MemoryEngine({ messages: 10, bytes: 1e6 });
    engine.publish('A', '{"y":0}', 0);
    const fanout = new Fanout(engine);
    const viewers = [1, 2, 3].map(() => recordingSink());
    const subscriptions = viewers.map((v) => new Subscription(fanout, ['A'], v.sink, { maxBufferedBytes: 1e6 }, quiet));
    await Promise.all(subscriptions.map((subscription) => subscription.start(new Map())));
    await new Promise((resolve) => setImmediate(resolve)); // their replays (reset, history, ready) go out
    const ticked = Promise.all(viewers.map((v) => v.nextFrame()));
    for (const y of [1, 2, 3]) engine.publish('A', `{"y":${y}}`, y);
    await ticked;
    for (const v of viewers) {
      assert.deepEqual(ys(v.events()), [0, 1, 2, 3]);
      assert.equal(v.shared.length, 1, 'one frame for the tick');
    }
    assert.ok(
      viewers.every((v) => v.shared[0] === viewers[0]?.shared[0]),
      'one Buffer, sent to each',
    );
    assert.equal(fanout.size, 1, 'one feed for the token');
    for (const subscription of subscriptions) subscription.close();
    assert.equal(fanout.size, 0, 'the feed goes with its last viewer');
  });

  it("at the live edge, a viewer's ticks of one round go out as one frame, in that round; a viewer of one token still gets the shared bytes", async () => {
    const engine = new MemoryEngine({ messages: 10, bytes: 1e6 });
    // Written before: the viewers hold a position in each, so their ticks go by the shared path.
    for (const token of ['A', 'B', 'C']) engine.publish(token, '{"y":0}', 0);
    const fanout = new Fanout(engine);
    const [many, one, alsoOne] = [recordingSink(), recordingSink(), recordingSink()];
    const subscriptions = [
      new Subscription(fanout, ['A', 'B', 'C'], many.sink, { maxBufferedBytes: 1e6, runs: true }, quiet),
      new Subscription(fanout, ['B'], one.sink, { maxBufferedBytes: 1e6, runs: true }, quiet),
      new Subscription(fanout, ['B'], alsoOne.sink, { maxBufferedBytes: 1e6, runs: true }, quiet),
    ];
    await Promise.all(subscriptions.map((subscription) => subscription.start(new Map())));
    await eventually(() => [many, one, alsoOne].every((v) => v.events().some((e) => e.type === 'ready')), 'ready');
    const before = [many.frames.length, one.frames.length];
    // Three producers' lines in one turn: three feeds flush in that turn.
    for (const token of ['A', 'B', 'C']) engine.publish(token, `{"y":"${token}"}`, 1);
    // Sent in the round the feeds flush in (one immediate), as a tick alone was: merging adds no turn.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(many.events().filter((e) => e.type === 'run').length, 6, 'the three runs, at once');
    assert.equal(alsoOne.events().filter((e) => e.type === 'run').length, 2, 'the run of B');
    assert.equal(many.frames.length - (before[0] as number), 1, 'one frame for the three tokens');
    assert.deepEqual(
      many.events().flatMap((e) => (e.type === 'run' ? [`${e.token}${e.offset}`] : [])),
      ['A1', 'B1', 'C1', 'A2', 'B2', 'C2'],
    );
    assert.match(many.ids.at(-1) ?? '', /^A:[\w-]+:2,B:[\w-]+:2,C:[\w-]+:2$/, 'its positions after all three');
    assert.equal(one.frames.length - (before[1] as number), 1);
    assert.equal(one.shared.at(-1), alsoOne.shared.at(-1), 'viewers of one token share one Buffer still');
    for (const subscription of subscriptions) subscription.close();
  });

  it('a viewer that catches up in the middle of a tick gets exactly what it lacks', async () => {
    const engine = new MemoryEngine({ messages: 100, bytes: 1e6 });
    const fanout = new Fanout(engine);
    const early = recordingSink();
    const first = new Subscription(fanout, ['A'], early.sink, { maxBufferedBytes: 1e6 }, quiet);
    await first.start(new Map());
    engine.publish('A', '{"y":1}', 1);
    const late = recordingSink();
    const second = new Subscription(fanout, ['A'], late.sink, { maxBufferedBytes: 1e6 }, quiet);
    // It reads history (1) while 2 arrives; 3 comes once it is at the edge, in the same tick.
    const starting = second.start(new Map());
    engine.publish('A', '{"y":2}', 2);
    await starting;
    engine.publish('A', '{"y":3}', 3);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(ys(early.events()), [1, 2, 3]);
    assert.deepEqual(offsets(late.events()), [1, 2, 3], 'no gap, no duplicate');
    first.close();
    second.close();
  });

  it("names each token as the viewer knows it (a hosted chart's viewers): events, ready, runs and positions; frames shared per name", async () => {
    const engine = new MemoryEngine({ messages: 10, bytes: 1e6 });
    engine.publish('secret', '{"y":1}', 1);
    const names = new Map([['secret', 'public']]);
    const [named, alsoNamed, plain] = [recordingSink(), recordingSink(), recordingSink()];
    const fanout = new Fanout(engine);
    const subscriptions = [
      new Subscription(fanout, ['secret'], named.sink, { maxBufferedBytes: 1e6, runs: true, names }, quiet),
      new Subscription(fanout, ['secret'], alsoNamed.sink, { maxBufferedBytes: 1e6, runs: true, names }, quiet),
      new Subscription(fanout, ['secret'], plain.sink, { maxBufferedBytes: 1e6, runs: true }, quiet),
    ];
    for (const subscription of subscriptions) await subscription.start(new Map());
    await new Promise((resolve) => setImmediate(resolve));
    await subscriptions[0]?.add(['other'], new Map());
    engine.publish('secret', '{"y":2}', 2);
    await eventually(
      () => [named, alsoNamed, plain].every((viewer) => viewer.events().filter((e) => e.type === 'run').length === 2),
      'the tick on every viewer',
    );
    for (const viewer of [named, alsoNamed]) {
      assert.ok(
        !viewer.frames.join('').includes('secret'),
        `a named viewer never sees the token: ${viewer.frames.join('')}`,
      );
      assert.deepEqual(ys(viewer.events(), 'public'), [1, 2]);
      assert.match(viewer.ids.at(-1) ?? '', /^public:[\w-]+:2$/, 'positions (SSE ids) name it too');
    }
    assert.deepEqual(ys(plain.events(), 'secret'), [1, 2]);
    assert.equal(named.shared[0], alsoNamed.shared[0], 'viewers of one name share the frame');
    assert.notEqual(named.shared[0], plain.shared[0]);
    for (const subscription of subscriptions) subscription.close();
  });

  it('a tick in another epoch (history lost) reaches a viewer at the edge as a reset, then the data', async () => {
    const engine = new MemoryEngine({ messages: 10, bytes: 1e6 });
    engine.publish('A', '{"y":0}', 0);
    const viewer = recordingSink();
    const subscription = new Subscription(new Fanout(engine), ['A'], viewer.sink, { maxBufferedBytes: 1e6 }, quiet);
    await subscription.start(new Map());
    engine.publish('A', '{"y":1}', 1);
    await new Promise((resolve) => setImmediate(resolve));
    // What a feed hands on after Redis lost everything: the same token, a new epoch, offsets anew.
    const message = { offset: 1, time: 2, text: '{"y":9}' };
    const frame = `{"type":"data","token":"A","epoch":"fresh1","offset":1,"time":2,"message":{"y":9}}`;
    subscription.onTick('A', {
      epoch: 'fresh1',
      messages: [message],
      frame: () => ({ text: frame, bytes: Buffer.from(frame) }),
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      viewer
        .events()
        .map((e) => e.type)
        .slice(-2),
      ['reset', 'data'],
    );
    assert.deepEqual(ys(viewer.events()), [0, 1, 9]);
    assert.equal(viewer.shared.length, 1, 'the first tick was shared; the reset one went on its own');
    subscription.close();
  });

  it('a token never written gets no reset until its first message, which comes after one reset with the epoch it starts', async () => {
    const engine = new MemoryEngine({ messages: 10, bytes: 1e6 });
    const viewer = recordingSink();
    const subscription = new Subscription(
      new Fanout(engine),
      ['A', 'B'],
      viewer.sink,
      { maxBufferedBytes: 1e6 },
      quiet,
    );
    engine.publish('B', '{"y":7}', 1);
    await subscription.start(new Map());
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      viewer.events().map((e) => `${e.type}${'token' in e ? ` ${e.token}` : ''}`),
      ['reset B', 'data B', 'ready'],
      'B (written) is replayed; A (never written) waits',
    );
    const history = engine.history('A');
    // Its first messages (as a Redis engine sends them: in the epoch the first write made).
    const message = { offset: 1, time: 2, text: '{"y":1}' };
    const frame = `{"type":"data","token":"A","epoch":"born","offset":1,"time":2,"message":{"y":1}}`;
    subscription.onTick('A', {
      epoch: 'born',
      messages: [message],
      frame: () => ({ text: frame, bytes: Buffer.from(frame) }),
    });
    engine.publish('A', '{"y":2}', 3); // the memory engine's own epoch: another reset, as any epoch change
    await new Promise((resolve) => setImmediate(resolve));
    const ofA = viewer.events().filter((e) => 'token' in e && e.token === 'A');
    assert.deepEqual(
      ofA.slice(0, 2).map((e) => e.type),
      ['reset', 'data'],
    );
    assert.equal((ofA[0] as { epoch: string }).epoch, 'born');
    assert.notEqual(history.epoch, 'born');
    subscription.close();
  });

  it('runs=1: the replay is one run per token, live ticks are runs, while a viewer without it gets data events', async () => {
    const engine = new MemoryEngine({ messages: 100, bytes: 1e6 });
    for (let y = 1; y <= 5; y++) engine.publish('A', `{"y":${y}}`, 1000 + y);
    engine.publish('B', '{"y":1}', 2000);
    const fanout = new Fanout(engine);
    const compact = recordingSink();
    const classic = recordingSink();
    const runs = new Subscription(fanout, ['A', 'B'], compact.sink, { maxBufferedBytes: 1e6, runs: true }, quiet);
    const data = new Subscription(fanout, ['A', 'B'], classic.sink, { maxBufferedBytes: 1e6 }, quiet);
    const replayed = Promise.all([compact.nextFrame(), classic.nextFrame()]);
    await Promise.all([runs.start(new Map()), data.start(new Map())]);
    await replayed;
    assert.deepEqual(types(compact.events()), ['reset', 'run', 'reset', 'run', 'ready']);
    const [, history] = compact.events();
    assert.equal(history?.type === 'run' && history.offset, 1);
    assert.deepEqual(history?.type === 'run' && history.dt, [0, 1, 2, 3, 4], 'each message keeps its time');
    assert.deepEqual(
      types(classic.events()).filter((t) => t === 'data'),
      ['data', 'data', 'data', 'data', 'data', 'data'],
    );
    const ticked = Promise.all([compact.nextFrame(), classic.nextFrame()]);
    for (const y of [6, 7, 8]) engine.publish('A', `{"y":${y}}`, 3000);
    await ticked;
    assert.equal(compact.events().at(-1)?.type, 'run');
    assert.equal(classic.events().at(-1)?.type, 'data');
    for (const viewer of [compact, classic]) {
      assert.deepEqual(ys(viewer.events(), 'A'), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(
        dataOf(viewer.events())
          .filter((e) => e.token === 'A')
          .map((e) => e.time),
        [1001, 1002, 1003, 1004, 1005, 3000, 3000, 3000],
      );
    }
    runs.close();
    data.close();
  });

  it('columns=1: flat messages go as runs with columns, in the replay and live, split around the others; every viewer sees the same messages', async () => {
    const engine = new MemoryEngine({ messages: 100, bytes: 1e6 });
    for (let y = 1; y <= 4; y++) engine.publish('A', `{"x":${y},"y":${y}}`, 1000 + y);
    engine.publish('A', '{"layout":{"title":"t"}}', 1005);
    engine.publish('A', '{"x":6,"y":6}', 1006);
    const fanout = new Fanout(engine);
    const sinks = { columns: recordingSink(), runs: recordingSink(), data: recordingSink() };
    const subscriptions = [
      new Subscription(fanout, ['A'], sinks.columns.sink, { maxBufferedBytes: 1e6, runs: true, columns: true }, quiet),
      new Subscription(fanout, ['A'], sinks.runs.sink, { maxBufferedBytes: 1e6, runs: true }, quiet),
      new Subscription(fanout, ['A'], sinks.data.sink, { maxBufferedBytes: 1e6, columns: true }, quiet),
    ];
    const replayed = Promise.all(Object.values(sinks).map((s) => s.nextFrame()));
    await Promise.all(subscriptions.map((s) => s.start(new Map())));
    await replayed;
    const shape = (events: RelayEvent[]) =>
      events.map((e) => (e.type === 'run' ? `${e.offset}:${e.columns ? 'columns' : 'messages'}` : e.type));
    assert.deepEqual(shape(sinks.columns.events()), ['reset', '1:columns', '5:messages', 'ready']);
    assert.deepEqual(shape(sinks.runs.events()), ['reset', '1:messages', 'ready']);
    assert.ok(!sinks.data.events().some((e) => e.type === 'run'), 'columns=1 without runs=1: data events');
    const ticked = Promise.all(Object.values(sinks).map((s) => s.nextFrame()));
    for (const y of [7, 8, 9]) engine.publish('A', `{"x":${y},"y":${y}}`, 2000 + y);
    await ticked;
    assert.deepEqual(shape(sinks.columns.events()).at(-1), '7:columns');
    const expected = dataOf(sinks.data.events());
    assert.equal(expected.length, 9);
    for (const sink of [sinks.columns, sinks.runs]) assert.deepEqual(dataOf(sink.events()), expected);
    for (const subscription of subscriptions) subscription.close();
  });
});

describe('run events over the real relay (runs=1)', () => {
  let relay: Relay;
  before(async () => {
    relay = await createRelay({ port: 0, historyMessages: 500, heartbeatMs: 60_000, log: () => undefined });
  });
  after(() => relay.close());

  it('WebSocket and SSE viewers with runs=1 get every message once, in order, beside a viewer without it', async () => {
    const ws = await wsSubscribe(relay.url, 'token=r1&runs=1');
    const sse = await sseSubscribe(relay.url, 'token=r1&runs=1');
    const old = await wsSubscribe(relay.url, 'token=r1');
    for (const viewer of [ws, sse, old]) await viewer.until((e) => e.some((x) => x.type === 'ready'));
    await publish(relay, 'r1', 1, 400);
    for (const viewer of [ws, sse, old]) await viewer.untilMessages(400);
    for (const viewer of [ws, sse, old]) assert.deepEqual(offsets(viewer.events), range(1, 400));
    assert.ok(ws.events.some((e) => e.type === 'run') && sse.events.some((e) => e.type === 'run'));
    assert.ok(!old.events.some((e) => e.type === 'run'), 'no runs for a viewer that did not ask');
    assert.ok(ws.frames.length < 50, `${ws.frames.length} frames`);
    ws.socket.close();
    sse.close();
    old.socket.close();
  });

  it('WebSocket and SSE viewers with columns=1 get every message once, in order, mostly as columns, and resume exactly', async () => {
    const ws = await wsSubscribe(relay.url, 'token=c1&runs=1&columns=1');
    const sse = await sseSubscribe(relay.url, 'token=c1&runs=1&columns=1');
    for (const viewer of [ws, sse]) await viewer.until((e) => e.some((x) => x.type === 'ready'));
    await publish(relay, 'c1', 1, 400);
    for (const viewer of [ws, sse]) await viewer.untilMessages(400);
    for (const viewer of [ws, sse]) {
      assert.deepEqual(offsets(viewer.events), range(1, 400));
      assert.deepEqual(ys(viewer.events), range(1, 400));
      assert.ok(viewer.events.some((e) => e.type === 'run' && e.columns !== undefined));
    }
    sse.close();
    await publish(relay, 'c1', 401, 450);
    const again = await sseSubscribe(relay.url, 'token=c1&runs=1&columns=1', { 'last-event-id': sse.lastId as string });
    await again.until((e) => e.some((x) => x.type === 'ready'));
    assert.deepEqual(offsets(again.events), range(401, 450));
    assert.ok(
      again.events.some((e) => e.type === 'run' && e.columns !== undefined),
      'the replay as columns',
    );
    again.close();
    ws.socket.close();
  });

  it('resume positions stay exact when runs are batched: WebSocket resume and SSE Last-Event-ID', async () => {
    const first = await sseSubscribe(relay.url, 'token=r2&token=r3&runs=1');
    await publish(relay, 'r2', 1, 30);
    await publish(relay, 'r3', 1, 20);
    await first.untilMessages(50);
    assert.match(first.lastId ?? '', /^r2:[\w-]+:30,r3:[\w-]+:20$/);
    first.close();
    await publish(relay, 'r2', 31, 40);
    await publish(relay, 'r3', 21, 22);
    const second = await sseSubscribe(relay.url, 'token=r2&token=r3&runs=1', {
      'last-event-id': first.lastId as string,
    });
    await second.until((e) => e.some((x) => x.type === 'ready'));
    assert.deepEqual(types(second.events), ['run', 'run', 'ready']);
    assert.deepEqual(ys(second.events, 'r2'), range(31, 40));
    assert.deepEqual(ys(second.events, 'r3'), range(21, 22));
    second.close();
    const epoch = dataOf(second.events)[0]?.epoch as string;
    const ws = await wsSubscribe(relay.url, `token=r2&runs=1&resume=r2:${epoch}:35`);
    await ws.until((e) => e.some((x) => x.type === 'ready'));
    assert.deepEqual(offsets(ws.events), range(36, 40));
    ws.socket.close();
  });
});
