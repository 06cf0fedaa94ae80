import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RingBuffer } from '../../../src/element/ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the last capacity items in order', () => {
    const buffer = new RingBuffer<number>(3);
    for (let i = 1; i <= 10; i++) buffer.push(i);
    assert.deepEqual(buffer.toArray(), [8, 9, 10]);
    assert.equal(buffer.length, 3);
    assert.deepEqual(buffer.last(2), [9, 10]);
    assert.deepEqual(buffer.last(99), [8, 9, 10]);
    assert.deepEqual(buffer.last(0), []);
  });

  it('is exact after 10 x capacity pushes', () => {
    const buffer = new RingBuffer<number>(500);
    for (let i = 0; i < 5000; i++) buffer.push(i);
    const window = buffer.toArray();
    assert.equal(window.length, 500);
    assert.equal(window[0], 4500);
    assert.equal(window[499], 4999);
  });

  it('seeds, replaces with the tail, clears and resizes keeping the newest', () => {
    const buffer = new RingBuffer<number>(4, [1, 2]);
    assert.deepEqual(buffer.toArray(), [1, 2]);
    buffer.replace([1, 2, 3, 4, 5, 6]);
    assert.deepEqual(buffer.toArray(), [3, 4, 5, 6]);
    buffer.push(7);
    buffer.resize(2);
    assert.deepEqual(buffer.toArray(), [6, 7]);
    buffer.resize(5);
    buffer.push(8);
    assert.deepEqual(buffer.toArray(), [6, 7, 8]);
    buffer.clear();
    assert.equal(buffer.length, 0);
  });

  it('rejects a capacity that is not a positive integer', () => {
    assert.throws(() => new RingBuffer(0), RangeError);
    assert.throws(() => new RingBuffer(1.5), RangeError);
    assert.throws(() => new RingBuffer(3).resize(-1), RangeError);
  });

  it('returns copies, never its own storage', () => {
    const buffer = new RingBuffer<number>(3, [1, 2, 3]);
    const copy = buffer.toArray();
    copy[0] = 99;
    assert.deepEqual(buffer.toArray(), [1, 2, 3]);
  });
});
