import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { POINTS_PER_COLUMN, reduceToColumns, type RingView } from '../../../src/element/decimate.js';
import { RingBuffer } from '../../../src/element/ring-buffer.js';

const view = <T>(items: T[]): RingView<T> => ({ items, start: 0, capacity: Math.max(1, items.length) });

/** Reduces a whole window given as arrays (x null: positions), columns spanning its first to last x. */
function reduce(x: number[] | null, y: unknown[], columns: number): number[] {
  const out = new Int32Array(y.length);
  const n = y.length;
  const span = { from: 0, to: n, lo: x === null ? 0 : (x[0] ?? 0), hi: x === null ? n - 1 : (x[n - 1] ?? 0) };
  const count = reduceToColumns(x === null ? null : view(x), view(y), span, columns, out);
  return [...out.subarray(0, count)];
}

describe('reduceToColumns (per-pixel-column decimation)', () => {
  it('keeps every narrow spike and dip of a long signal at every width, and its first and last points', () => {
    const n = 100_000;
    const y = Array.from({ length: n }, (_, i) => Math.sin(i / 500));
    const spikes = [137, 25_000, 50_001, 77_777, 99_998];
    for (const [k, at] of spikes.entries()) y[at] = k % 2 === 0 ? 50 : -50;
    // Widths where the spikes fall in columns of their own (in one column, only one highest and one
    // lowest point can stand for it: see the one-column case below).
    for (const columns of [7, 100, 640, 1920, 5000]) {
      const kept = reduce(null, y, columns);
      for (const at of spikes) assert.ok(kept.includes(at), `spike ${at} at ${columns} columns`);
      assert.equal(kept[0], 0);
      assert.equal(kept.at(-1), n - 1);
      assert.ok(kept.length <= POINTS_PER_COLUMN * columns, `${kept.length} points for ${columns} columns`);
    }
    assert.deepEqual(reduce(null, y, 1), [0, 137, 25_000, n - 1], 'one column: first, highest, lowest, last');
  });

  it('keeps points in x order, reads x when given, and never more than four a column', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 50 }),
        (ys, steps, columns) => {
          const n = Math.min(ys.length, steps.length);
          const y = ys.slice(0, n);
          let at = 0;
          const x = steps.slice(0, n).map((s) => (at += s));
          const kept = reduce(x, y, columns);
          for (let i = 1; i < kept.length; i++)
            assert.ok((kept[i] as number) > (kept[i - 1] as number), 'ascending, once each');
          assert.equal(kept[0], 0);
          assert.equal(kept.at(-1), n - 1);
          // Every column's extremes are kept: the global ones at least.
          const max = Math.max(...y);
          const min = Math.min(...y);
          assert.ok(kept.some((i) => y[i] === max));
          assert.ok(kept.some((i) => y[i] === min));
          assert.ok(kept.length <= POINTS_PER_COLUMN * columns);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps gaps (a y that is not a number) as gaps, and handles one point and one x', () => {
    const y: unknown[] = Array.from({ length: 1000 }, (_, i) => i);
    y[500] = null;
    const kept = reduce(null, y, 10);
    assert.ok(kept.includes(500), 'the gap is drawn');
    assert.ok(kept.includes(499) && kept.includes(501), 'the line ends before the gap and starts after it');
    assert.deepEqual(reduce(null, [5], 100), [0]);
    assert.deepEqual(reduce([3, 3, 3, 3, 3, 3], [1, 9, 2, 0, 4, 5], 10), [0, 1, 3, 5], 'first, max, min, last');
    assert.deepEqual(reduce(null, [], 10), []);
  });

  it('reads a ring buffer in place after it wrapped around, as its window in order', () => {
    const ring = new RingBuffer<number>(1000);
    for (let i = 0; i < 2500; i++) ring.push(i === 2100 ? 1e6 : i % 7);
    const out = new Int32Array(1000);
    const count = reduceToColumns(null, ring, { from: 0, to: 1000, lo: 0, hi: 999 }, 10, out);
    const kept = [...out.subarray(0, count)];
    const flat = ring.toArray();
    assert.deepEqual(kept, reduce(null, flat, 10), 'the same as the window read out');
    assert.ok(kept.includes(600), 'the spike, at its position in the window');
  });

  it('reduces only part of a window into the columns of a range; points outside it fall in the edge columns', () => {
    const y = Array.from({ length: 1000 }, (_, i) => i % 10);
    const out = new Int32Array(1000);
    const count = reduceToColumns(null, view(y), { from: 399, to: 601, lo: 400, hi: 600 }, 2, out);
    const kept = [...out.subarray(0, count)];
    assert.equal(kept[0], 399);
    assert.equal(kept.at(-1), 600);
    assert.ok(kept.every((i) => i >= 399 && i <= 600));
    assert.ok(kept.length <= 2 * POINTS_PER_COLUMN);
  });
});
