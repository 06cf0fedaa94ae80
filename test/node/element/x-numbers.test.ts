import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NumberRing, xNumber } from '../../../src/element/x-numbers.js';

describe('xNumber', () => {
  it('reads numbers, numeric strings and Plotly date strings (as UTC ms, a zone suffix dropped)', () => {
    assert.equal(xNumber(5), 5);
    assert.equal(xNumber('2.5'), 2.5);
    assert.equal(xNumber('2026-11-24'), Date.UTC(2026, 10, 24));
    assert.equal(xNumber('2026-11-24 12:30'), Date.UTC(2026, 10, 24, 12, 30));
    assert.equal(xNumber('2026-11-24T12:30:05.25'), Date.UTC(2026, 10, 24, 12, 30, 5, 250));
    assert.equal(xNumber('2026-11-24 12:30:05Z'), Date.UTC(2026, 10, 24, 12, 30, 5));
    assert.equal(xNumber('2026-11-24 12:30:05+02:00'), Date.UTC(2026, 10, 24, 12, 30, 5));
    assert.equal(xNumber('2026-11'), Date.UTC(2026, 10, 1));
  });

  it('is NaN for what is neither (a category, a boolean, null, an empty string)', () => {
    for (const value of ['apples', true, null, undefined, '', '2026-11-24 noon', {}])
      assert.ok(Number.isNaN(xNumber(value)));
  });
});

describe('NumberRing', () => {
  it('knows whether its window is ascending as values come and the oldest leave', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.oneof(fc.integer({ min: -5, max: 20 }), fc.constant(NaN)), { maxLength: 60 }),
        (capacity, values) => {
          const ring = new NumberRing(capacity);
          const all: number[] = [];
          for (const value of values) {
            ring.push(value);
            all.push(value);
            const window = all.slice(-capacity);
            const ascending = window.every((v, i) => Number.isFinite(v) && (i === 0 || v >= (window[i - 1] as number)));
            assert.equal(ring.ascending, ascending, `window ${window}`);
            assert.deepEqual(
              Array.from({ length: ring.length }, (_, i) => ring.at(i)),
              window,
            );
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds the first position at or above, and above, a value', () => {
    const ring = new NumberRing(5);
    for (const v of [1, 2, 3, 4, 5, 6, 6, 8]) ring.push(v); // holds 4 5 6 6 8
    assert.equal(ring.lowerBound(6), 2);
    assert.equal(ring.upperBound(6), 4);
    assert.equal(ring.lowerBound(0), 0);
    assert.equal(ring.upperBound(9), 5);
  });

  it('rebuilds from a window of values, keeping the newest that fit', () => {
    const ring = new NumberRing(2);
    ring.rebuild(['2026-01-01', '2026-01-02', '2026-01-03'], 2);
    assert.equal(ring.length, 2);
    assert.equal(ring.at(0), Date.UTC(2026, 0, 2));
    assert.ok(ring.ascending);
    ring.rebuild([3, 1], 4);
    assert.equal(ring.capacity, 4);
    assert.equal(ring.ascending, false);
  });
});
