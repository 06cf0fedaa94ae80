import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientLimits, isLoopback } from '../../../../src/relay/access/client-limits.js';

describe('client limits', () => {
  it('knows loopback addresses in each form Node gives', () => {
    for (const address of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'])
      assert.ok(isLoopback(address), address);
    for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '::2', '1.2.3.4', undefined])
      assert.equal(isLoopback(address), false);
  });

  it('caps open connections per address, frees a place on close, forgets an idle address', () => {
    const limits = new ClientLimits({ connections: 2, subscribesPerSecond: 0, subscribeBurst: 0 });
    assert.ok(limits.openConnection('10.0.0.1'));
    assert.ok(limits.openConnection('10.0.0.1'));
    assert.equal(limits.openConnection('10.0.0.1'), false);
    assert.ok(limits.openConnection('10.0.0.2'), 'another address has its own count');
    for (let i = 0; i < 10; i++) assert.ok(limits.openConnection('127.0.0.1'), 'loopback is not limited');
    limits.closeConnection('10.0.0.1');
    assert.ok(limits.openConnection('10.0.0.1'));
    for (const address of ['10.0.0.1', '10.0.0.1', '10.0.0.2']) limits.closeConnection(address);
    assert.equal(limits.size, 0, 'nothing is kept for addresses with no connection');
  });

  it('lets a burst of subscribes through, then the rate, with the seconds to wait', async () => {
    const limits = new ClientLimits({ connections: 0, subscribesPerSecond: 20, subscribeBurst: 3 });
    assert.deepEqual(
      [1, 2, 3].map(() => limits.subscribe('10.0.0.1')),
      [0, 0, 0],
    );
    assert.equal(limits.subscribe('10.0.0.1'), 1, 'wait a second (rounded up)');
    assert.equal(limits.subscribe('10.0.0.2'), 0);
    assert.equal(limits.subscribe('::1'), 0);
    await new Promise((resolve) => setTimeout(resolve, 120)); // 20/s: two more tokens
    assert.equal(limits.subscribe('10.0.0.1'), 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    limits.sweep();
    assert.equal(limits.size, 0, 'full buckets are forgotten');
  });
});
