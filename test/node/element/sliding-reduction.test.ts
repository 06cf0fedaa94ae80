import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { reduceOnGrid } from '../../../src/element/decimate.js';
import { RingBuffer } from '../../../src/element/ring-buffer.js';
import { SlidingReduction, type SlidingWindow } from '../../../src/element/sliding-reduction.js';

/** A trace's window as TraceWindow keeps it: x and y ring buffers, numbered from y's first point. */
class Window {
  x: RingBuffer<number> | null;
  y: RingBuffer<unknown>;
  lastX = 0;
  constructor(capacity: number, withX: boolean) {
    this.x = withX ? new RingBuffer<number>(capacity) : null;
    this.y = new RingBuffer<unknown>(capacity);
  }
  push(step: number, value: number | null): void {
    this.lastX += step;
    this.x?.push(this.lastX);
    this.y.push(value);
  }
  view(): SlidingWindow {
    const { x, y } = this;
    const version = x === null ? `${y.generation}` : `${y.generation}:${x.generation}:${x.dropped - y.dropped}`;
    return { x, y, length: y.length, first: y.dropped, version };
  }
}

/** What reducing the whole window on the same columns gives: the positions kept. */
function whole(window: SlidingWindow, scale: number): number[] {
  const out = new Int32Array(window.length);
  const grid = { origin: 0, scale, min: -Infinity, max: Infinity, offset: window.first };
  const count = reduceOnGrid(window.x, window.y, 0, window.length, grid, out, 0);
  return [...out.subarray(0, count)];
}

type Step =
  | { kind: 'append'; points: { step: number; value: number | null }[] }
  | { kind: 'drop'; count: number }
  | { kind: 'rewrite' }
  | { kind: 'columns'; columns: number };

const point = fc.record({
  step: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5, noNaN: true })),
  value: fc.oneof({ weight: 20, arbitrary: fc.double({ min: -100, max: 100, noNaN: true }) }, fc.constant(null)),
});
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({ kind: fc.constant('append' as const), points: fc.array(point, { maxLength: 60 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), count: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'rewrite' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('columns' as const), columns: fc.integer({ min: 1, max: 40 }) }),
  },
);

describe('SlidingReduction (a followed line reduced from frame to frame)', () => {
  for (const withX of [true, false]) {
    it(`equals reducing the whole window on the same columns after any appends, drops and rewrites (${withX ? 'x given' : 'no x'})`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 5, max: 300 }),
          fc.array(step, { minLength: 1, maxLength: 40 }),
          (capacity, steps) => {
            const window = new Window(capacity, withX);
            const reduction = new SlidingReduction();
            let columns = 10;
            for (const s of steps) {
              if (s.kind === 'append') for (const p of s.points) window.push(p.step, p.value);
              else if (s.kind === 'drop') {
                window.y.dropOldest(s.count);
                window.x?.dropOldest(s.count);
              } else if (s.kind === 'rewrite') {
                window.y.replace(window.y.toArray().map((v) => (typeof v === 'number' ? -v : v)));
                window.x?.replace(window.x.toArray());
              } else columns = s.columns;
              const view = window.view();
              const { indices, count } = reduction.reduce(view, columns);
              const kept = [...indices.subarray(0, count)];
              assert.deepEqual(kept, whole(view, reduction.scale));
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('reduces only the ends of a window sliding at a steady rate (few whole reductions)', () => {
    const window = new Window(100_000, true);
    const reduction = new SlidingReduction();
    for (let i = 0; i < 100_000; i++) window.push(1, Math.sin(i / 50) + (i % 997 === 0 ? 10 : 0));
    reduction.reduce(window.view(), 800);
    const before = reduction.rebuilds;
    for (let frame = 0; frame < 500; frame++) {
      for (let i = 0; i < 500; i++) window.push(1, Math.random());
      const view = window.view();
      const { indices, count } = reduction.reduce(view, 800);
      if (frame % 50 === 0) assert.deepEqual([...indices.subarray(0, count)], whole(view, reduction.scale));
      assert.ok(count <= 4 * 802, `${count} points for 800 columns`);
      assert.equal(indices[0], 0, 'the first point is drawn');
      assert.equal(indices[count - 1], view.length - 1, 'the last point is drawn');
    }
    assert.equal(reduction.rebuilds, before, 'no whole reduction while the window slides at a steady rate');
  });

  it('lays the columns out again when the window grows or shrinks past the drift allowed, or the width changes', () => {
    const window = new Window(10_000, true);
    const reduction = new SlidingReduction();
    for (let i = 0; i < 1000; i++) window.push(1, i % 7);
    reduction.reduce(window.view(), 100);
    const rebuilds = reduction.rebuilds;
    for (let i = 0; i < 1000; i++) window.push(1, i % 7); // the window doubles: columns twice as wide
    const { count } = reduction.reduce(window.view(), 100);
    assert.equal(reduction.rebuilds, rebuilds + 1);
    assert.ok(count <= 4 * 102);
    reduction.reduce(window.view(), 200);
    assert.equal(reduction.rebuilds, rebuilds + 2);
  });
});
