import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../../../../src/relay/access/rate-limit.js';

describe('RateLimiter', () => {
  it('takes a burst of one second of messages per token, then refuses until the bucket refills', () => {
    const limiter = new RateLimiter(5);
    const taken = Array.from({ length: 8 }, () => limiter.allow('A'));
    assert.deepEqual(taken, [true, true, true, true, true, false, false, false]);
    assert.equal(limiter.allow('B'), true, 'each token has its own bucket');
  });

  it('0 means no limit', () => {
    const limiter = new RateLimiter(0);
    for (let i = 0; i < 10_000; i++) assert.equal(limiter.allow('A'), true);
  });

  it('keeps no bucket for a token once it has filled up again: many tokens written once leave nothing', () => {
    const limiter = new RateLimiter(5);
    for (let i = 0; i < 10_000; i++) limiter.allow(`token-${i}`);
    assert.equal(limiter.size, 10_000);
    limiter.sweep(performance.now() + 1000);
    assert.equal(limiter.size, 0);
    for (let i = 0; i < 5; i++) limiter.allow('busy');
    limiter.sweep(performance.now() + 500);
    assert.equal(limiter.size, 1, 'a bucket still filling stays (it still limits)');
  });
});
