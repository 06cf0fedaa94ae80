/**
 * RedisLink on a real redis-server of the test's own: scripts by EVALSHA and by EVAL once Redis
 * forgot them, channels kept across a replaced pub/sub connection, an unsubscribe that sticks, a
 * channel subscribed again at once after it was left, channels subscribed and left while the pub/sub
 * connection is replaced, and one clear error when Redis cannot be reached. (A silent pub/sub connection replaced: the engine's
 * own test, through a proxy.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisLink, type RedisLinkOptions } from '../../../../src/relay/engines/redis-link.js';
import { RedisServer, skipWithoutRedis } from '../../../../scripts/redis-server.js';
import { eventually } from '../../../support/relay-clients.js';
import { TcpProxy } from '../../../support/tcp-proxy.js';
import { withRedis } from '../../../support/redis-client.js';

describe('RedisLink on a real Redis', { skip: skipWithoutRedis }, () => {
  let redis: RedisServer;
  before(async () => (redis = await RedisServer.start()));
  after(async () => redis.stop());

  const options = (overrides: Partial<RedisLinkOptions> = {}): RedisLinkOptions => ({
    url: redis.url,
    where: redis.url,
    prefix: 'link:',
    timeoutMs: 2000,
    probeMs: 60_000,
    log: () => undefined,
    onResubscribed: () => undefined,
    ...overrides,
  });

  async function publish(channel: string, payload: string): Promise<void> {
    await withRedis(redis.url, (client) => client.publish(channel, payload));
  }

  it('runs a script by EVALSHA, and by EVAL after Redis forgot its scripts', async () => {
    const link = await RedisLink.open(options(), {});
    try {
      const script = "return redis.call('INCR', KEYS[1])";
      assert.equal(await link.eval(script, ['link:n'], []), 1);
      await withRedis(redis.url, (client) => client.scriptFlush());
      assert.equal(await link.eval(script, ['link:n'], []), 2);
      assert.equal(link.isReady, true);
    } finally {
      await link.close();
    }
  });

  it('hears the channels it opened with and those subscribed later; an unsubscribed one is not heard', async () => {
    const heard: string[] = [];
    const link = await RedisLink.open(options(), { 'link:first': (p) => heard.push(`first ${p}`) });
    try {
      await link.subscribe('link:later', (p) => heard.push(`later ${p}`));
      const gone = (p: string) => heard.push(`gone ${p}`);
      await link.subscribe('link:gone', gone);
      link.unsubscribe('link:gone', gone);
      await publish('link:gone', '0');
      await publish('link:first', '1');
      await publish('link:later', '2');
      await eventually(() => heard.length >= 2, 'two messages');
      assert.deepEqual(heard, ['first 1', 'later 2']);
    } finally {
      await link.close();
    }
  });

  it('hears a channel subscribed again before Redis answered its unsubscribe (not the handler that left)', async () => {
    const heard: string[] = [];
    const link = await RedisLink.open(options(), {});
    try {
      const before = (p: string) => heard.push(`before ${p}`);
      await link.subscribe('link:again', before);
      link.unsubscribe('link:again', before);
      await link.subscribe('link:again', (p) => heard.push(`again ${p}`));
      await publish('link:again', '1');
      await eventually(() => heard.length >= 1, 'the message');
      assert.deepEqual(heard, ['again 1']);
    } finally {
      await link.close();
    }
  });

  it('subscribes and leaves channels asked for while its pub/sub connection is being replaced', async () => {
    const proxy = await TcpProxy.start(redis.port);
    const logs: string[] = [];
    const heard: string[] = [];
    const link = await RedisLink.open(
      options({ url: `redis://127.0.0.1:${proxy.port}`, probeMs: 150, log: (line) => logs.push(line) }),
      {},
    );
    try {
      await withRedis(redis.url, async (direct) => {
        const left = (p: string) => heard.push(`left ${p}`);
        await link.subscribe('link:kept', (p) => heard.push(`kept ${p}`));
        await link.subscribe('link:left', left);
        // The new pub/sub connection is held at its start, so what follows happens while it is made.
        proxy.holdNew();
        assert.equal(proxy.freeze(/SUBSCRIBE/i), 1, 'the pub/sub connection, and only it, is frozen');
        await eventually(() => logs.some((line) => /went silent/.test(line)), 'the replacement to start', 5000);
        link.unsubscribe('link:left', left);
        const joined = link.subscribe('link:new', (p) => heard.push(`new ${p}`));
        proxy.release();
        await joined;
        for (const channel of ['link:kept', 'link:left', 'link:new']) await direct.publish(channel, '1');
        await eventually(() => heard.length >= 2, 'two messages');
        assert.deepEqual(heard.sort(), ['kept 1', 'new 1']);
        await eventually(
          async () => (await direct.pubSubNumSub('link:left'))['link:left'] === 0,
          'no connection on the left channel',
        );
      });
    } finally {
      await link.close();
      await proxy.close();
    }
  });

  it('refuses to open with one line naming where and why', async () => {
    const closed = `redis://127.0.0.1:1`;
    await assert.rejects(
      RedisLink.open(options({ url: closed, where: 'redis://127.0.0.1:1 (test)' }), {}),
      /^Error: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(test\): /,
    );
  });
});
