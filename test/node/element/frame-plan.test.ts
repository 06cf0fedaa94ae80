import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelOf as model } from '../../support/plot-model.js';
import type { ExtendPlan, ReactPlan, UpdatePlan } from '../../../src/element/frame-plan.js';

describe('frame planning', () => {
  it('a whole redraw is one react with every window, pending layout taken in, the config as the element makes it', () => {
    const { m } = model({
      data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 3 } }],
      layout: { title: { text: 'T' } },
      config: { responsive: true },
    });
    for (let i = 1; i <= 5; i++) m.write('A', { x: i, y: i });
    m.write('A', { layout: { 'yaxis.range': [0, 9] } });
    m.invalidate();
    const plan = m.takeFrame(null, (config) => ({ ...config, added: 1 })) as ReactPlan;
    assert.equal(plan.kind, 'react');
    assert.deepEqual(plan.data[0]?.['y'], [3, 4, 5]);
    assert.deepEqual((plan.layout['yaxis'] as { range: number[] }).range, [0, 9]);
    assert.deepEqual(plan.config, { responsive: true, added: 1 });
    assert.equal(m.stats.drops, 2, 'points past maxpoints never drawn are counted');
    assert.equal(m.takeFrame(), null, 'the windows and the layout are drawn: nothing left');
  });

  it("appends become one extendTraces with per-trace maxPoints (each window's length) in object form", () => {
    const { m } = model({
      data: [
        { x: [], y: [], stream: { token: 'A', maxpoints: 3 } },
        { x: [], y: [], stream: { token: 'B', maxpoints: 7 } },
      ],
    });
    m.write('A', { x: 1, y: 10 });
    m.write('B', { x: 1, y: 20 });
    m.write('A', { x: 2, y: 11 });
    const plan = m.takeFrame() as ExtendPlan;
    assert.equal(plan.kind, 'extend');
    assert.deepEqual(plan.indices, [0, 1]);
    assert.deepEqual(plan.update, { x: [[1, 2], [1]], y: [[10, 11], [20]] });
    assert.deepEqual(plan.maxPoints, { x: [2, 1], y: [2, 1] });
    assert.equal(m.takeFrame(), null, 'nothing left after a frame');
  });

  it('10 000 messages in one frame: one plan, the last maxpoints points, the rest counted as drops', () => {
    const { m } = model({ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 500 } }] });
    for (let i = 0; i < 10_000; i++) m.write('A', { x: i, y: i });
    const plan = m.takeFrame() as ExtendPlan;
    assert.equal(plan.kind, 'extend');
    const y = plan.update['y']?.[0] as number[];
    assert.deepEqual(plan.update['x']?.[0], y, 'x and y windows match');
    assert.equal(y.length, 500);
    assert.equal(y[0], 9500);
    assert.equal(y[499], 9999);
    assert.equal(m.stats.drops, 9500);
    assert.equal(m.stats.points, 10_000);
  });

  it('a key the trace does not have yet goes out whole by update (Plotly extends only arrays)', () => {
    const { m } = model({ data: [{ y: [], stream: { token: 'A' } }] });
    m.write('A', { y: 1, marker: { color: 'red' } });
    const first = m.takeFrame() as UpdatePlan;
    assert.equal(first.kind, 'update');
    assert.deepEqual(first.traces, { y: [[1]], 'marker.color': [['red']] });
    m.write('A', { y: 2, marker: { color: 'blue' } });
    const second = m.takeFrame() as ExtendPlan;
    assert.equal(second.kind, 'extend');
    assert.deepEqual(second.update, { y: [[2]], 'marker.color': [['blue']] });
  });

  it('overwrites, layout and appends of one frame become one update in arrival order', () => {
    const { m } = model({
      data: [
        { x: ['a', 'b'], y: [0, 0], type: 'bar', stream: { token: 'A' } },
        { y: [], stream: { token: 'B' } },
      ],
    });
    m.write('A', { y: [1, 2] });
    m.write('A', { layout: { title: { text: 'one' } } });
    m.write('B', { y: 5 });
    m.write('A', { y: [3, 4], layout: { title: { text: 'two' }, 'yaxis.range': [0, 5] } });
    const plan = m.takeFrame() as UpdatePlan;
    assert.equal(plan.kind, 'update');
    assert.deepEqual(plan.indices, [0, 1]);
    assert.deepEqual(plan.traces, { y: [[3, 4], [5]] });
    assert.deepEqual(plan.layout, { 'title.text': 'two', 'yaxis.range': [0, 5] });
  });

  it('traces of one token each get every message (subplots of one stream)', () => {
    const { m } = model({
      data: [
        { y: [], stream: { token: 'A' } },
        { y: [], xaxis: 'x2', yaxis: 'y2', stream: { token: 'A', maxpoints: 2 } },
      ],
    });
    for (const y of [1, 2, 3]) m.write('A', { y });
    const plan = m.takeFrame() as ExtendPlan;
    assert.deepEqual(plan.update, {
      y: [
        [1, 2, 3],
        [2, 3],
      ],
    });
    assert.deepEqual(plan.maxPoints, { y: [3, 2] });
  });
});
