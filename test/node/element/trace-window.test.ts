import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TraceWindow } from '../../../src/element/trace-window.js';

const windowOf = (maxpoints: number, trace: Record<string, unknown> = { x: [], y: [] }) =>
  new TraceWindow(0, 'A', maxpoints, trace);

describe('TraceWindow', () => {
  it('appends to arrays the figure has go out as only the new points, at most maxpoints of them', () => {
    const w = windowOf(3);
    for (let i = 1; i <= 5; i++) {
      w.append('x', i);
      w.append('y', i * 10);
    }
    assert.ok(w.dirty);
    assert.ok(w.appendOnly);
    assert.deepEqual(
      [...w.pendingAppends()],
      [
        ['x', [3, 4, 5]],
        ['y', [30, 40, 50]],
      ],
    );
    assert.equal(w.markDrawn(), 2, 'two points were pushed out before any frame drew them');
    assert.equal(w.dirty, false);
    assert.deepEqual(w.values('y'), [30, 40, 50]);
  });

  it('a key the trace did not have goes out whole (Plotly extends only existing arrays)', () => {
    const w = windowOf(10);
    w.append('marker.color', 'red');
    assert.equal(w.appendOnly, false);
    assert.deepEqual([...w.pendingRewrites()], [['marker.color', ['red']]]);
    w.markDrawn();
    w.append('marker.color', 'blue');
    assert.ok(w.appendOnly, 'once drawn, the key is an array Plotly can extend');
  });

  it('overwrites keep the last maxpoints of a per-point key, and set other attributes as they are', () => {
    const w = windowOf(2);
    w.overwrite('y', [1, 2, 3]);
    w.overwrite('marker.colorscale', [
      [0, 'red'],
      [1, 'blue'],
    ]);
    assert.deepEqual(w.values('y'), [2, 3]);
    assert.deepEqual(w.toTrace(), {
      x: [],
      y: [2, 3],
      marker: {
        colorscale: [
          [0, 'red'],
          [1, 'blue'],
        ],
      },
    });
  });

  it("reset goes back to the figure's data; keys the figure lacks are dropped (null)", () => {
    const w = windowOf(5, { y: [7] });
    w.append('y', 8);
    w.append('text', 'a');
    w.markDrawn();
    w.reset();
    assert.deepEqual(Object.fromEntries(w.pendingRewrites()), { y: [7], text: null });
  });

  it('adopt takes the points of the window it replaces, trimmed to its own maxpoints', () => {
    const before = windowOf(5);
    for (const y of [1, 2, 3, 4]) before.append('y', y);
    const after = windowOf(2);
    after.adopt(before);
    assert.deepEqual(after.values('y'), [3, 4]);
  });

  it('resize keeps the newest points and redraws whole', () => {
    const w = windowOf(4);
    for (const y of [1, 2, 3, 4]) w.append('y', y);
    w.markDrawn();
    w.resize(2);
    assert.deepEqual(w.values('y'), [3, 4]);
    assert.equal(w.appendOnly, false);
  });
});
