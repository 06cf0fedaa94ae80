/** The engine contract: one suite, run against every engine (Redis on a redis-server of the test's own). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Engine, HistoryLimits, StoredMessage } from '../../../../src/relay/engines/engine.js';
import { MemoryEngine } from '../../../../src/relay/engines/memory-engine.js';
import { RedisEngine } from '../../../../src/relay/engines/redis-engine.js';
import { RedisCluster, RedisServer, skipWithoutRedis } from '../../../../scripts/redis-server.js';
// (redis-engine.test.ts has what is particular to a cluster: keys spread, relays on different nodes.)

type MakeEngine = (limits: HistoryLimits) => Promise<Engine>;

function contract(
  name: string,
  setup: () => Promise<{ make: MakeEngine; done: () => Promise<void> }>,
  skip: string | false,
) {
  describe(`engine contract: ${name}`, { skip }, () => {
    let make: MakeEngine;
    let done: () => Promise<void>;
    const engines: Engine[] = [];
    const engine = async (limits: HistoryLimits = { messages: 100, bytes: 1e6 }) => {
      const made = await make(limits);
      engines.push(made);
      return made;
    };
    before(async () => ({ make, done } = await setup()));
    after(async () => {
      for (const made of engines) await made.close();
      await done();
    });

    /** Collects what a listener gets, once it listens for real. */
    async function listening(e: Engine, token: string) {
      const got: Array<{ epoch: string } & StoredMessage> = [];
      let wake: () => void = () => undefined;
      const listening = e.listen(token, (epoch, m) => {
        got.push({ epoch, ...m });
        wake();
      });
      await listening.ready;
      const until = async (n: number) => {
        while (got.length < n) await new Promise<void>((resolve) => (wake = resolve));
      };
      return { got, until, stop: () => listening.stop() };
    }

    it('numbers messages from 1 per token, keeps when each was accepted, tells listeners in order', async () => {
      const e = await engine({ messages: 3, bytes: 1e6 });
      const live = await listening(e, 'A');
      for (let i = 1; i <= 5; i++) await e.publish('A', `{"y":${i}}`, 1_700_000_000_000 + i);
      await e.publish('B', '{"y":1}', 5);
      await live.until(5);
      assert.deepEqual(
        live.got.map((m) => [m.offset, m.time, m.text]),
        [1, 2, 3, 4, 5].map((i) => [i, 1_700_000_000_000 + i, `{"y":${i}}`]),
      );
      const history = await e.history('A');
      assert.deepEqual(
        history.entries.map((m) => m.offset),
        [3, 4, 5],
        'bounded by count',
      );
      assert.equal(history.entries[2]?.time, 1_700_000_000_005);
      assert.equal(history.lastOffset, 5);
      assert.equal(history.epoch, live.got[0]?.epoch);
      assert.equal((await e.history('B')).entries[0]?.offset, 1);
      live.stop();
    });

    it('bounds history by bytes, always keeping the newest message', async () => {
      const e = await engine({ messages: 100, bytes: 30 });
      for (let i = 0; i < 10; i++) await e.publish('A', '{"y":123456}', i);
      const held = (await e.history('A')).entries;
      assert.deepEqual(
        held.map((m) => m.offset),
        [9, 10],
        'messages of 12 bytes: two fit in 30',
      );
      await e.publish('A', `{"y":"${'x'.repeat(100)}"}`, 11);
      assert.deepEqual(
        (await e.history('A')).entries.map((m) => m.offset),
        [11],
        'one message over the limit stays alone',
      );
    });

    it('stays exact through a long stream', async () => {
      const e = await engine({ messages: 10, bytes: 1e9 });
      await Promise.all(Array.from({ length: 3000 }, (_, i) => e.publish('A', `{"y":${i + 1}}`, i)));
      const history = await e.history('A');
      assert.deepEqual(
        history.entries.map((m) => m.offset),
        Array.from({ length: 10 }, (_, i) => 2991 + i),
      );
      assert.deepEqual(
        history.entries.map((m) => m.text),
        Array.from({ length: 10 }, (_, i) => `{"y":${2991 + i}}`),
      );
    });

    it('gives a token nothing was published to an epoch and no history', async () => {
      const history = await (await engine()).history('none');
      assert.equal(history.lastOffset, 0);
      assert.deepEqual(history.entries, []);
      assert.match(history.epoch, /^[A-Za-z0-9_-]{1,64}$/);
    });

    it('reads history after an offset', async () => {
      const e = await engine();
      for (let i = 1; i <= 6; i++) await e.publish('A', `{"y":${i}}`, i);
      assert.deepEqual(
        (await e.history('A', 4)).entries.map((m) => m.offset),
        [5, 6],
      );
      assert.deepEqual((await e.history('A', 6)).entries, []);
      assert.deepEqual((await e.history('A', 0)).entries.length, 6);
    });

    it('delivers to every listener of a token until each stops', async () => {
      const e = await engine();
      const one = await listening(e, 'A');
      const two = await listening(e, 'A');
      await e.publish('A', '{"y":1}', 1);
      await one.until(1);
      await two.until(1);
      one.stop();
      await e.publish('A', '{"y":2}', 2);
      await two.until(2);
      assert.equal(one.got.length, 1);
      assert.deepEqual(
        two.got.map((m) => m.offset),
        [1, 2],
      );
      two.stop();
    });

    it('says it is healthy', async () => {
      assert.equal((await engine()).health().ok, true);
    });
  });
}

contract(
  'MemoryEngine',
  async () => ({ make: async (limits) => new MemoryEngine(limits), done: async () => undefined }),
  false,
);

let prefixes = 0;
contract(
  'RedisEngine',
  async () => {
    const redis = await RedisServer.start();
    return {
      make: (limits) => RedisEngine.connect({ url: redis.url, prefix: `contract${++prefixes}:`, limits }),
      done: () => redis.stop(),
    };
  },
  skipWithoutRedis,
);

contract(
  'RedisEngine on a Redis Cluster (3 nodes)',
  async () => {
    const cluster = await RedisCluster.start(3);
    return {
      make: (limits) => RedisEngine.connect({ url: cluster.url, prefix: `cluster${++prefixes}:`, limits }),
      done: () => cluster.stop(),
    };
  },
  skipWithoutRedis,
);
