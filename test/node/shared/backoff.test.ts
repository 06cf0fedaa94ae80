import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullJitterDelay } from '../../../src/shared/backoff.js';

describe('full-jitter backoff', () => {
  it('stays within [0, min(cap, base * 2^n)]', () => {
    const options = { baseMs: 100, capMs: 1000 };
    assert.equal(fullJitterDelay(0, { ...options, random: () => 0.999 }), 99);
    assert.equal(fullJitterDelay(3, { ...options, random: () => 0.5 }), 400);
    assert.equal(fullJitterDelay(10, { ...options, random: () => 0.999 }), 999);
    assert.equal(fullJitterDelay(500, { ...options, random: () => 0.5 }), 500);
    assert.equal(fullJitterDelay(2, { ...options, random: () => 0 }), 0);
  });
});
