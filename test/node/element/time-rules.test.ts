import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFigure as parseFigureOf } from '../../../src/element/figure.js';
import { modelOf as model } from '../../support/plot-model.js';
import type { ExtendPlan, UpdatePlan } from '../../../src/element/frame-plan.js';

describe('time windows and gaps (stream.maxage, stream.gap)', () => {
  it('maxage keeps exactly the points stamped within it of the newest; Plotly is told the new length', () => {
    const { m } = model({ data: [{ x: [], y: [], stream: { token: 'A', maxage: 1000 } }] });
    for (let i = 0; i < 10; i++) m.write('A', { x: i, y: i }, 10_000 + i * 200); // 10000 .. 11800
    const plan = m.takeFrame() as ExtendPlan;
    // Within 1000 ms of 11800: 10800 .. 11800, the points 4 .. 9.
    assert.deepEqual(m.window(0), { x: [4, 5, 6, 7, 8, 9], y: [4, 5, 6, 7, 8, 9] });
    assert.equal(plan.kind, 'extend');
    assert.deepEqual(plan.maxPoints, { x: [6], y: [6] }, 'Plotly keeps the last 6');
    m.write('A', { x: 10, y: 10 }, 12_500);
    const next = m.takeFrame() as ExtendPlan;
    assert.deepEqual(m.window(0)?.['x'], [8, 9, 10], 'stamps 11600 .. 12500');
    assert.deepEqual(next.update, { x: [[10]], y: [[10]] });
    assert.deepEqual(next.maxPoints, { x: [3], y: [3] });
  });

  it('maxpoints still applies when it is tighter', () => {
    const { m } = model({ data: [{ y: [], stream: { token: 'A', maxpoints: 3, maxage: 60_000 } }] });
    for (let i = 0; i < 10; i++) m.write('A', { y: i }, 1000 + i);
    m.takeFrame();
    assert.deepEqual(m.window(0)?.['y'], [7, 8, 9]);
  });

  it('gap breaks the line between points stamped further apart: a gap point (x repeated, y null)', () => {
    const { m } = model({ data: [{ x: [], y: [], text: [], stream: { token: 'A', gap: 1000 } }] });
    m.write('A', { x: 1, y: 10, text: 'a' }, 5000);
    m.write('A', { x: 2, y: 20, text: 'b' }, 5900);
    m.write('A', { x: 3, y: 30, text: 'c' }, 9000); // 3.1 s after the last: the line breaks
    m.write('A', { x: 4, y: 40, text: 'd' }, 9500);
    assert.deepEqual(m.window(0), {
      x: [1, 2, 2, 3, 4],
      y: [10, 20, null, 30, 40],
      text: ['a', 'b', null, 'c', 'd'],
    });
    const plan = m.takeFrame() as ExtendPlan;
    assert.deepEqual(plan.update['y'], [[10, 20, null, 30, 40]]);
  });

  it('a message without points (layout only) is not a point: no stamp, no gap', () => {
    const { m } = model({ data: [{ y: [], stream: { token: 'A', gap: 1000 } }] });
    m.write('A', { y: 1 }, 1000);
    m.write('A', { layout: { title: { text: 't' } } }, 9000);
    m.write('A', { y: 2 }, 1500);
    assert.deepEqual(m.window(0)?.['y'], [1, 2]);
  });

  it("a relay restart mid-session breaks the line and keeps the points; a first one leaves the figure's data", () => {
    const { m } = model({
      data: [
        { x: [], y: [], stream: { token: 'A' } },
        { y: [7], stream: { token: 'B' } },
      ],
    });
    m.write('A', { x: 1, y: 1 });
    m.write('A', { x: 2, y: 2 });
    m.takeFrame();
    m.restart('A');
    m.restart('B');
    m.write('A', { x: 9, y: 9 });
    assert.deepEqual(m.window(0), { x: [1, 2, 2, 9], y: [1, 2, null, 9] });
    assert.deepEqual(m.window(1), { y: [7] });
    const plan = m.takeFrame() as ExtendPlan | UpdatePlan;
    assert.ok(plan.kind === 'extend' || plan.kind === 'update');
    m.clear('A');
    assert.deepEqual(m.window(0), { x: [], y: [] }, 'clear() still empties');
  });

  it('the time window and its stamps follow a new figure that keeps the points', () => {
    const figure = (maxage: number) => ({ data: [{ y: [], stream: { token: 'A', maxage } }] });
    const { m } = model(figure(1000));
    for (let i = 0; i < 5; i++) m.write('A', { y: i }, 1000 + i * 100);
    m.takeFrame();
    m.setFigure(parseFigureOf(figure(150)));
    m.takeFrame();
    assert.deepEqual(m.window(0)?.['y'], [3, 4], 'stamps 1300 and 1400 are within 150 ms of 1400');
  });
});
