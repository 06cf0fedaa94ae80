/**
 * RedisLink on a real redis-server of the test's own: scripts by EVALSHA and by EVAL once Redis
 * forgot them, channels kept across a replaced pub/sub connection, an unsubscribe that sticks, and
 * one clear error when Redis cannot be reached. (A silent pub/sub connection replaced: the engine's
 * own test, through a proxy.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { RedisLink, type RedisLinkOptions } from '../../../../src/relay/engines/redis-link.js';
import { RedisServer, skipWithoutRedis } from '../../../../scripts/redis-server.js';
import { eventually } from '../../../support/relay-clients.js';

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
    const client = createClient({ url: redis.url });
    await client.connect();
    await client.publish(channel, payload);
    await client.quit();
  }

  it('runs a script by EVALSHA, and by EVAL after Redis forgot its scripts', async () => {
    const link = await RedisLink.open(options(), {});
    try {
      const script = "return redis.call('INCR', KEYS[1])";
      assert.equal(await link.eval(script, ['link:n'], []), 1);
      const client = createClient({ url: redis.url });
      await client.connect();
      await client.scriptFlush();
      await client.quit();
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
      await link.subscribe('link:gone', (p) => heard.push(`gone ${p}`));
      link.unsubscribe('link:gone');
      await publish('link:gone', '0');
      await publish('link:first', '1');
      await publish('link:later', '2');
      await eventually(() => heard.length >= 2, 'two messages');
      assert.deepEqual(heard, ['first 1', 'later 2']);
    } finally {
      await link.close();
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
