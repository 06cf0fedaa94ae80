/**
 * The Redis engine on a real redis-server of the test's own: several relays sharing tokens,
 * restarts of a relay and of Redis, pub/sub losses, Redis away and back. (What every engine must do
 * is in engine.test.ts, run against this one too.)
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { DataEvent, RelayEvent } from '../../../../src/shared/protocol.js';
import type { Engine, StoredMessage } from '../../../../src/relay/engines/engine.js';
import { createRelay, type Relay } from '../../../../src/relay/index.js';
import { RedisEngine } from '../../../../src/relay/engines/redis-engine.js';
import { PUBLISH_SCRIPT } from '../../../../src/relay/engines/redis-scripts.js';
import {
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
import { RedisCluster, RedisServer, skipWithoutRedis } from '../../../../scripts/redis-server.js';
import { TcpProxy } from '../../../support/tcp-proxy.js';
import { withRedis } from '../../../support/redis-client.js';

const limits = { messages: 1000, bytes: 1e7 };

function collect(engine: Engine, token: string) {
  const got: Array<{ epoch: string } & StoredMessage> = [];
  const listening = engine.listen(token, (epoch, message) => got.push({ epoch, ...message }));
  return { got, ready: listening.ready, stop: () => listening.stop() };
}

/**
 * Stores a message of `token` with its next offset by the engine's own script, but publishes it
 * where nobody listens: what an at-most-once pub/sub loss looks like. A token with no epoch yet
 * starts `epoch`.
 */
async function storeUnheard(
  client: { sendCommand(args: string[]): Promise<unknown> },
  prefix: string,
  token: string,
  y: number,
  epoch = 'e0',
): Promise<void> {
  const keys = ['meta', 'history', 'producer'].map((kind) => `${prefix}{${token}}:${kind}`);
  await client.sendCommand([
    'EVAL',
    PUBLISH_SCRIPT,
    '3',
    ...keys,
    epoch,
    '1000',
    '10000000',
    'nowhere',
    '0',
    `{"y":${y}}`,
    String(y),
  ]);
}

describe('RedisEngine on a real Redis', { skip: skipWithoutRedis }, () => {
  let redis: RedisServer;
  const engines: Engine[] = [];
  let prefix = 0;
  const connect = async (options: { prefix?: string } = {}) => {
    const engine = await RedisEngine.connect({ url: redis.url, prefix: options.prefix ?? `e${++prefix}:`, limits });
    engines.push(engine);
    return engine;
  };
  before(async () => (redis = await RedisServer.start()));
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
  });
  after(async () => redis.stop());

  it("shares one token's epoch, offsets, history and live messages between relays", async () => {
    const a = await connect({ prefix: 'shared1:' });
    const b = await connect({ prefix: 'shared1:' });
    const onB = collect(b, 'A');
    await onB.ready;
    for (let i = 1; i <= 3; i++) await a.publish('A', `{"y":${i}}`, i);
    await eventually(() => onB.got.length === 3, 'three messages on B');
    assert.deepEqual(
      onB.got.map((m) => [m.offset, m.text]),
      [1, 2, 3].map((i) => [i, `{"y":${i}}`]),
    );
    const [historyA, historyB] = await Promise.all([a.history('A'), b.history('A')]);
    assert.deepEqual(historyB, historyA);
    assert.equal(onB.got[0]?.epoch, historyA.epoch);
  });

  it('gives unique, contiguous offsets to two relays publishing one token at once', async () => {
    const a = await connect({ prefix: 'race:' });
    const b = await connect({ prefix: 'race:' });
    await Promise.all([
      ...range(1, 300).map((i) => a.publish('T', `{"from":"a","i":${i}}`, i)),
      ...range(1, 300).map((i) => b.publish('T', `{"from":"b","i":${i}}`, i)),
    ]);
    const history = await a.history('T');
    assert.deepEqual(
      history.entries.map((m) => m.offset),
      range(1, 600),
    );
    for (const from of ['a', 'b']) {
      const own = history.entries.map((m) => JSON.parse(m.text)).filter((m) => m.from === from);
      assert.deepEqual(
        own.map((m) => m.i),
        range(1, 300),
        `each relay's messages keep their order (${from})`,
      );
    }
  });

  it('keeps the epoch when a relay restarts (viewers resume, no reset)', async () => {
    const first = await connect({ prefix: 'restart:' });
    await first.publish('A', '{"y":1}', 1);
    const before = await first.history('A');
    await first.close();
    const again = await connect({ prefix: 'restart:' });
    const after = await again.history('A');
    assert.equal(after.epoch, before.epoch);
    assert.deepEqual(after.entries, before.entries);
  });

  it('re-reads from the stream what pub/sub skipped, and delivers in order', async () => {
    const engine = await connect({ prefix: 'skip:' });
    const live = collect(engine, 'A');
    await live.ready;
    await engine.publish('A', '{"y":1}', 1);
    await eventually(() => live.got.length === 1, 'the first message');
    // Stored with the next offset but published where nobody listens: what an at-most-once loss looks like.
    await withRedis(redis.url, async (raw) => {
      for (const y of [2, 3]) await storeUnheard(raw, 'skip:', 'A', y);
    });
    await engine.publish('A', '{"y":4}', 4);
    await eventually(() => live.got.length === 4, 'the skipped messages re-read');
    assert.deepEqual(
      live.got.map((m) => m.offset),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      live.got.map((m) => m.text),
      [1, 2, 3, 4].map((y) => `{"y":${y}}`),
    );
  });

  it("lets a token's keys expire after the token TTL without a write or a read; each renews it", async () => {
    const engine = await RedisEngine.connect({
      url: redis.url,
      prefix: 'ttl:',
      limits: { ...limits, tokenTtlMs: 60_000 },
    });
    engines.push(engine);
    await withRedis(redis.url, async (raw) => {
      const ttls = () => Promise.all(['meta', 'history', 'producer'].map((k) => raw.pTTL(`ttl:{A}:${k}`)));
      await engine.claimProducer('A');
      await engine.publish('A', '{"y":1}', 1);
      for (const ttl of await ttls()) assert.ok(ttl > 50_000 && ttl <= 60_000, `ttl ${ttl}`);
      await raw.pExpire('ttl:{A}:meta', 1000);
      await engine.history('A');
      assert.ok((await raw.pTTL('ttl:{A}:meta')) > 50_000, 'a read renews it');
      // A token only read (a viewer of a token nobody writes) leaves no key at all.
      await engine.history('B');
      assert.equal(await raw.exists(['ttl:{B}:meta', 'ttl:{B}:history', 'ttl:{B}:producer']), 0);
      // Without a TTL (the default engine options here), keys stay.
      const plain = await connect({ prefix: 'nottl:' });
      await plain.publish('A', '{"y":1}', 1);
      assert.equal(await raw.pTTL('nottl:{A}:meta'), -1);
    });
  });

  it('viewers of tokens never written leave no key in Redis; the first write starts the epoch they then get', async () => {
    const relay = await createRelay({ port: 0, redis: redis.url, redisPrefix: 'unwritten:', log: () => undefined });
    try {
      await withRedis(redis.url, async (raw) => {
        const tokens = Array.from({ length: 64 }, (_, i) => `never-${i}`);
        const viewers = await Promise.all([
          wsSubscribe(relay.url, tokens.map((t) => `token=${t}`).join('&')),
          sseSubscribe(relay.url, tokens.map((t) => `token=${t}`).join('&')),
        ]);
        for (const viewer of viewers) await viewer.until((e) => e.some((x) => x.type === 'ready'));
        assert.deepEqual(await raw.keys('unwritten:*'), [], 'subscribing made nothing');
        await post(`${relay.url}/`, '{"y": 1}\n', { 'plotly-streamtoken': 'never-3' });
        for (const viewer of viewers) await viewer.untilMessages(1);
        assert.deepEqual(ys(viewers[0]?.events ?? []), [1]);
        assert.deepEqual((await raw.keys('unwritten:*')).sort(), [
          'unwritten:{never-3}:history',
          'unwritten:{never-3}:meta',
          'unwritten:{never-3}:producer',
        ]);
        viewers[0]?.socket.close();
        viewers[1]?.close();
      });
    } finally {
      await relay.close();
    }
  });

  it('starts a new epoch after a Redis restart without persistence; listeners hear it', async () => {
    const engine = await connect({ prefix: 'flush:' });
    const live = collect(engine, 'A');
    await live.ready;
    await engine.publish('A', '{"y":1}', 1);
    const before = (await engine.history('A')).epoch;
    await redis.restart();
    await eventually(() => engine.health().ok, 'the engine back on the restarted Redis');
    // The pub/sub connection resubscribes on its own; publish until the listener hears it.
    await eventually(async () => {
      await engine.publish('A', '{"y":2}', 2).catch(() => undefined);
      return live.got.some((m) => m.epoch !== before);
    }, 'a message of the new epoch');
    const after = await engine.history('A');
    assert.notEqual(after.epoch, before);
    assert.equal(after.entries[0]?.offset, 1, 'offsets start over in the new epoch');
  });

  it('says it is unhealthy and refuses to store while Redis is away, and recovers on its own', async () => {
    const engine = await connect({ prefix: 'away:' });
    await redis.stop();
    await eventually(() => !engine.health().ok, 'the engine to notice');
    assert.match(engine.health().reason ?? '', /Redis at redis:\/\/127\.0\.0\.1:\d+\/? is unreachable/);
    await assert.rejects(engine.publish('A', '{"y":1}', 1));
    await redis.start();
    await eventually(() => engine.health().ok, 'the engine back');
    await engine.publish('A', '{"y":2}', 2);
    assert.equal((await engine.history('A')).entries.length, 1);
  });

  it("hears a token listened to again at once after its last listener stopped (a lone viewer's reconnect)", async () => {
    const engine = await connect({ prefix: 'again:' });
    const first = collect(engine, 'A');
    await first.ready;
    first.stop();
    // Before Redis has answered the stop's UNSUBSCRIBE.
    const second = collect(engine, 'A');
    await second.ready;
    await engine.publish('A', '{"y":1}', 1);
    await eventually(() => second.got.length === 1, 'the live message');
    assert.equal(first.got.length, 0);
  });

  it('notices a skipped message before it has delivered any: on a token written before, and on one never written', async () => {
    const engine = await connect({ prefix: 'quiet:' });
    await engine.publish('W', '{"y":1}', 1);
    const written = collect(engine, 'W');
    const fresh = collect(engine, 'F');
    await Promise.all([written.ready, fresh.ready]);
    await withRedis(redis.url, async (admin) => {
      // The first message each hears is lost (stored, published where nobody listens); the next one reveals it.
      for (const token of ['W', 'F']) await storeUnheard(admin, 'quiet:', token, 2);
      await engine.publish('W', '{"y":3}', 3);
      await engine.publish('F', '{"y":3}', 3);
      await eventually(() => written.got.length === 2 && fresh.got.length === 2, 'both messages on each');
      assert.deepEqual(
        written.got.map((m) => m.offset),
        [2, 3],
      );
      assert.deepEqual(
        fresh.got.map((m) => m.offset),
        [1, 2],
      );
    });
  });

  it('re-reads a never-written token it hears after pub/sub comes back by itself', async () => {
    const engine = await connect({ prefix: 'quiet2:' });
    const live = collect(engine, 'F');
    await live.ready;
    await withRedis(redis.url, async (admin) => {
      await storeUnheard(admin, 'quiet2:', 'F', 1);
      assert.equal(await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']), 1);
      await eventually(() => live.got.length === 1, 'the message it missed');
      assert.equal(live.got[0]?.epoch, 'e0');
    });
  });

  it('re-reads what pub/sub may have missed when its connection comes back by itself, with no later message to reveal it', async () => {
    const engine = await connect({ prefix: 'killed:' });
    const live = collect(engine, 'A');
    await live.ready;
    await engine.publish('A', '{"y":1}', 1);
    await eventually(() => live.got.length === 1, 'the first message');
    await withRedis(redis.url, async (admin) => {
      // Stored with the next offset but published where nobody listens, as a message published while
      // the connection is away is lost; then the connection is dropped, and node-redis reconnects it.
      await storeUnheard(admin, 'killed:', 'A', 2);
      assert.equal(await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']), 1);
      await eventually(() => live.got.length === 2, 'the message it missed');
      assert.deepEqual(
        live.got.map((m) => m.offset),
        [1, 2],
      );
    });
  });

  it('notices a pub/sub connection gone silent without closing, subscribes again and catches up', async () => {
    const proxy = await TcpProxy.start(redis.port);
    const logs: string[] = [];
    const behind = await RedisEngine.connect({
      url: `redis://127.0.0.1:${proxy.port}`,
      prefix: 'silent:',
      limits,
      probeMs: 150,
      log: (line) => logs.push(line),
    });
    engines.push(behind);
    const direct = await connect({ prefix: 'silent:' });
    try {
      const live = collect(behind, 'A');
      await live.ready;
      await direct.publish('A', '{"y":1}', 1);
      await eventually(() => live.got.length === 1, 'the first message');
      assert.equal(proxy.freeze(/SUBSCRIBE/i), 1, 'the pub/sub connection, and only it, is frozen');
      await direct.publish('A', '{"y":2}', 2);
      await direct.publish('A', '{"y":3}', 3);
      await eventually(() => live.got.length === 3, 'the messages sent while it was silent', 5000);
      assert.deepEqual(
        live.got.map((m) => m.offset),
        [1, 2, 3],
      );
      assert.ok(
        logs.some((line) => /pub\/sub .* went silent/.test(line)),
        logs.join('\n'),
      );
      await direct.publish('A', '{"y":4}', 4);
      await eventually(() => live.got.length === 4, 'live messages on the new connection');
    } finally {
      await behind.close();
      await proxy.close();
    }
  });

  it('refuses to start with one line naming the URL (password hidden) when Redis cannot be reached', async () => {
    const closed = `redis://:secret@127.0.0.1:${redis.port + 1}`;
    await assert.rejects(RedisEngine.connect({ url: closed, limits }), (error: Error) => {
      assert.match(error.message, /^cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/?: /);
      assert.doesNotMatch(error.message, /secret|\n/);
      return true;
    });
    await assert.rejects(
      RedisEngine.connect({ url: 'http://not-redis', limits }),
      /^Error: --redis needs a URL like redis:\/\/host:6379 .*got a http: URL$/,
    );
    await assert.rejects(
      RedisEngine.connect({ url: 'not a url', limits }),
      /^Error: --redis needs a URL like redis:\/\/host:6379 .*got something that is not a URL$/,
    );
  });
});

describe('two relays on one Redis', { skip: skipWithoutRedis }, () => {
  let redis: RedisServer;
  let a: Relay;
  let b: Relay;
  const relay = (prefix: string) =>
    createRelay({ port: 0, redis: redis.url, redisPrefix: prefix, heartbeatMs: 200, log: () => undefined });
  before(async () => {
    redis = await RedisServer.start();
    a = await relay('two:');
    b = await relay('two:');
  });
  after(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });

  it('ingest on A reaches viewers on A and B in order, with the time each line was accepted', async () => {
    const onA = await wsSubscribe(a.url, 'token=one');
    const onB = await sseSubscribe(b.url, 'token=one');
    await onA.until((e) => e.some((x) => x.type === 'ready'));
    await onB.until((e) => e.some((x) => x.type === 'ready'));
    const before = Date.now();
    const result = await post(`${a.url}/`, lines(1, 50), { 'plotly-streamtoken': 'one' });
    assert.equal(JSON.parse(result.body).accepted, 50);
    await onA.untilMessages(50);
    await onB.untilMessages(50);
    assert.deepEqual(ys(onA.events), range(1, 50));
    assert.deepEqual(ys(onB.events), range(1, 50));
    const times = onB.events.flatMap((e) => (e.type === 'data' ? [(e as DataEvent).time as number] : []));
    assert.ok(
      times.every((t) => t >= before && t <= Date.now()),
      'time: when the relay accepted it',
    );
    onA.socket.close();
    onB.close();
  });

  it("a late joiner on B gets A's history", async () => {
    await post(`${a.url}/`, lines(1, 20), { 'plotly-streamtoken': 'late' });
    const late = await wsSubscribe(b.url, 'token=late');
    await late.until((e) => e.some((x) => x.type === 'ready'));
    assert.deepEqual(ys(late.events), range(1, 20));
    late.socket.close();
  });

  it('a viewer of a restarted relay resumes with no reset, no gap and no duplicate', async () => {
    const viewer = await wsSubscribe(a.url, 'token=resume');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    const producer = openIngest(`${b.url}/`, { 'plotly-streamtoken': 'resume' });
    producer.write(lines(1, 10));
    await viewer.untilMessages(10);
    const last = viewer.events.filter((e): e is DataEvent => e.type === 'data').at(-1) as DataEvent;
    await a.close();
    producer.write(lines(11, 25)); // while relay A is down
    a = await relay('two:');
    const resumed = await wsSubscribe(a.url, `token=resume&resume=resume:${last.epoch}:${last.offset}`);
    producer.write(lines(26, 30));
    await resumed.untilMessages(20);
    assert.deepEqual(
      resumed.events.map((e) => e.type).filter((t) => t === 'reset'),
      [],
    );
    assert.deepEqual(ys(resumed.events), range(11, 30));
    assert.deepEqual(offsets(resumed.events), range(last.offset + 1, last.offset + 20));
    producer.end();
    assert.equal(JSON.parse((await producer.result).body).accepted, 30);
    resumed.socket.close();
  });

  it('Redis away: ingest 503 with Retry-After and the lines not stored, /healthz 503 naming redis; then recovery', async () => {
    await redis.stop();
    await eventually(async () => (await get(`${a.url}/healthz`)).status === 503, '/healthz 503');
    const health = JSON.parse((await get(`${a.url}/healthz`)).body);
    assert.equal(health.engine, 'redis');
    assert.match(health.reason, /unreachable/);
    const refused = await post(`${a.url}/`, lines(1, 3), { 'plotly-streamtoken': 'away' });
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    const summary = JSON.parse(refused.body);
    assert.equal(summary.accepted, 0);
    assert.equal(summary.notStored, 3);
    assert.deepEqual(
      summary.errors.map((e: { line: number; code: string }) => [e.line, e.code]),
      [
        [1, 'not-stored'],
        [2, 'not-stored'],
        [3, 'not-stored'],
      ],
    );
    await redis.start();
    await eventually(async () => (await get(`${a.url}/healthz`)).status === 200, '/healthz back to 200');
    const stored = await post(`${a.url}/`, lines(1, 3), { 'plotly-streamtoken': 'away' });
    assert.equal(stored.status, 200);
    assert.equal(JSON.parse(stored.body).accepted, 3);
  });

  it('while Redis is away, viewers stay connected without heartbeat events (so they show stale), one that arrives waits; both are served when it is back', async () => {
    const heartbeats = (events: RelayEvent[]) => events.filter((e) => e.type === 'heartbeat').length;
    const early = await wsSubscribe(a.url, 'token=outage');
    await early.until((e) => heartbeats(e) >= 1);
    await redis.stop();
    await eventually(async () => (await get(`${a.url}/healthz`)).status === 503, 'the relay to notice');
    const seen = heartbeats(early.events);
    const late = await wsSubscribe(a.url, 'token=outage');
    // heartbeatMs is 200: four periods without a heartbeat event, the sockets still open.
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.ok(heartbeats(early.events) <= seen + 1, 'at most one heartbeat already on its way');
    assert.equal(early.socket.readyState, early.socket.OPEN);
    assert.equal(late.socket.readyState, late.socket.OPEN);
    assert.deepEqual(late.events, [], 'nothing, not even ready, while the history cannot be read');
    await redis.start();
    await late.until((e) => e.some((x) => x.type === 'ready'), 10_000);
    await early.until((e) => heartbeats(e) > seen + 1, 10_000);
    await post(`${b.url}/`, lines(1, 2), { 'plotly-streamtoken': 'outage' });
    await early.until((e) => ys(e).length === 2, 10_000);
    await late.untilMessages(2, 10_000);
    assert.ok(
      early.events.some((e) => e.type === 'reset'),
      'Redis lost everything: a new epoch, a reset',
    );
    early.socket.close();
    late.socket.close();
  });

  it('an ingest that ends with its lines still being stored is counted out once (/metrics goes back to none open)', async () => {
    const gauges = async () => {
      const text = (await get(`${a.url}/metrics`)).body;
      return [
        /^plotly_stream_connections\{kind="ingest"\} (-?\d+)$/m,
        /^plotly_stream_producers\{token="counted"\} (-?\d+)$/m,
      ].map((pattern) => Number(pattern.exec(text)?.[1]));
    };
    for (let i = 0; i < 3; i++)
      assert.equal((await post(`${a.url}/`, lines(1, 2), { 'plotly-streamtoken': 'counted' })).status, 200);
    assert.deepEqual(await gauges(), [0, 0]);
  });

  it('a Redis that refuses writes (out of memory) reaches the producer as 503 with its reason', async () => {
    await withRedis(redis.url, async (raw) => {
      await raw.sendCommand(['CONFIG', 'SET', 'maxmemory', '1']);
      try {
        const refused = await post(`${a.url}/`, lines(1, 2), { 'plotly-streamtoken': 'oom' });
        assert.equal(refused.status, 503);
        const summary = JSON.parse(refused.body);
        assert.equal(summary.notStored, 2, refused.body);
        assert.match(summary.closed, /OOM/);
      } finally {
        await raw.sendCommand(['CONFIG', 'SET', 'maxmemory', '0']);
      }
    });
    assert.equal((await post(`${a.url}/`, lines(1, 2), { 'plotly-streamtoken': 'oom' })).status, 200);
  });

  it('a second ingest of a token on relay B ends the first one on relay A with 409; the newest goes on', async () => {
    const viewer = await sseSubscribe(b.url, 'token=taken');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    const first = openIngest(`${a.url}/`, { 'plotly-streamtoken': 'taken' });
    first.write(lines(1, 2));
    await viewer.untilMessages(2);
    const second = openIngest(`${b.url}/`, { 'plotly-streamtoken': 'taken' });
    second.write(lines(3, 4));
    const ended = await first.result;
    assert.equal(ended.status, 409);
    const summary = JSON.parse(ended.body);
    assert.equal(summary.accepted, 2);
    assert.match(summary.closed, /took over this token \(on another relay\)/);
    second.write(lines(5, 6));
    second.end();
    assert.equal(JSON.parse((await second.result).body).accepted, 4);
    await viewer.untilMessages(6);
    assert.deepEqual(ys(viewer.events), range(1, 6));
    viewer.close();
  });
});

describe('RedisEngine on a Redis Cluster', { skip: skipWithoutRedis }, () => {
  let cluster: RedisCluster;
  before(async () => (cluster = await RedisCluster.start(3)));
  after(async () => cluster.stop());

  it("spreads tokens over the nodes; relays connected through different nodes share a token's history and live messages", async () => {
    const nodeUrl = (i: number) => (cluster.nodes[i] as RedisServer).url;
    const a = await RedisEngine.connect({ url: nodeUrl(0), prefix: 'c:', limits });
    const b = await RedisEngine.connect({ url: nodeUrl(2), prefix: 'c:', limits });
    try {
      const tokens = Array.from({ length: 24 }, (_, i) => `t${i}`);
      const onB = collect(b, 't7');
      await onB.ready;
      await Promise.all(tokens.map((token, i) => a.publish(token, `{"y":${i}}`, i)));
      await eventually(() => onB.got.length === 1, 'the message across nodes');
      assert.equal(onB.got[0]?.text, '{"y":7}');
      assert.ok(
        cluster.keysPerNode().every((keys) => keys > 0),
        `every node holds some tokens: ${cluster.keysPerNode().join(', ')}`,
      );
      for (const token of tokens) {
        const [fromA, fromB] = await Promise.all([a.history(token), b.history(token)]);
        assert.deepEqual(fromB, fromA);
        assert.equal(fromA.entries.length, 1);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
