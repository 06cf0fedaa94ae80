import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFigure } from '../../../src/element/figure.js';
import { modelOf as model } from '../../support/plot-model.js';
import type { ExtendPlan, ReactPlan, UpdatePlan } from '../../../src/element/frame-plan.js';

describe('PlotModel', () => {
  it('traces without a token are left alone', () => {
    const { m } = model({ data: [{ y: [7, 8] }, { y: [], stream: { token: 'A' } }] });
    m.write('A', { y: 1 });
    const plan = m.takeFrame() as ExtendPlan;
    assert.deepEqual(plan.indices, [1]);
    assert.deepEqual(m.fullFigure().data[0], { y: [7, 8] });
  });

  it('clear goes back to the figure data; keys the figure lacks are removed (null)', () => {
    const { m } = model({ data: [{ x: ['a'], stream: { token: 'A' } }] });
    m.write('A', { x: 'b', y: 1 });
    m.takeFrame();
    m.clear('A');
    const plan = m.takeFrame() as UpdatePlan;
    assert.equal(plan.kind, 'update');
    assert.deepEqual(plan.traces, { x: [['a']], y: [null] });
  });

  it('the full figure keeps the window and every layout update', () => {
    const { m } = model({
      data: [{ y: [], stream: { token: 'A', maxpoints: 2 } }],
      layout: { title: { text: 'a' }, height: 300 },
    });
    for (const y of [1, 2, 3]) m.write('A', { y });
    m.write('A', { layout: { title: { text: 'b' } } });
    const full = m.fullFigure();
    assert.deepEqual(full.data[0]?.['y'], [2, 3]);
    assert.deepEqual(full.layout, { title: { text: 'b' }, height: 300, uirevision: 'plotly-stream-1' });
  });

  it("redraws of a figure keep Plotly's uirevision (a held zoom survives them); a new figure gets a new one, a figure's own wins", () => {
    const { m } = model({ data: [{ y: [], stream: { token: 'A' } }] });
    m.invalidate();
    assert.equal((m.takeFrame() as ReactPlan).layout['uirevision'], 'plotly-stream-1');
    m.setFigure(parseFigure({ data: [{ y: [], stream: { token: 'A' } }] }));
    assert.equal((m.takeFrame() as ReactPlan).layout['uirevision'], 'plotly-stream-2');
    m.setFigure(parseFigure({ data: [], layout: { uirevision: 'mine' } }));
    assert.equal((m.takeFrame() as ReactPlan).layout['uirevision'], 'mine');
  });

  it('a new figure keeps the points of traces streaming the same token', () => {
    const { m } = model({ data: [{ y: [], stream: { token: 'A' } }] });
    m.write('A', { y: 1 });
    m.write('A', { y: 2 });
    m.setFigure(
      parseFigure({
        data: [
          { y: [], name: 'renamed', stream: { token: 'A', maxpoints: 1 } },
          { y: [], stream: { token: 'B' } },
        ],
      }),
    );
    const plan = m.takeFrame();
    assert.equal(plan?.kind, 'react');
    if (plan?.kind === 'react') {
      assert.deepEqual(plan.data[0], { y: [2], name: 'renamed' });
      assert.deepEqual(plan.data[1], { y: [] });
    }
  });

  it('rejects bad messages alone, reports unknown keys and tokens once', () => {
    const { m, errors } = model({ data: [{ y: [], stream: { token: 'A' } }] });
    assert.equal(m.write('A', [1, 2]), false);
    assert.equal(m.write('A', { y: 1, t: 1 }), true);
    m.write('A', { y: 2, t: 2 });
    m.write('Z', { y: 1 });
    m.write('Z', { y: 1 });
    m.write('A', { layout: 'x', y: 3 });
    assert.deepEqual(
      errors.map((e) => e.code),
      ['not-an-object', 'unknown-key', 'unknown-token', 'bad-layout'],
    );
    assert.equal(m.stats.rejected, 2);
    const plan = m.takeFrame() as ExtendPlan;
    assert.deepEqual(plan.update, { y: [[1, 2, 3]] });
  });

  it('rejects a message nested too deep, as an object or a line, without a throw; the next one applies', () => {
    const { m, errors } = model({ data: [{ y: [], stream: { token: 'A' } }] });
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    assert.equal(m.write('A', { y: 1, marker: deep }), false);
    assert.equal(m.write('A', `{"y":2,"customdata":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), false);
    assert.equal(m.write('A', { y: 3 }), true);
    assert.deepEqual(
      errors.map((e) => [e.code, e.token]),
      [
        ['too-deep', 'A'],
        ['too-deep', 'A'],
      ],
    );
    assert.equal(m.stats.rejected, 2);
    assert.deepEqual((m.takeFrame() as ExtendPlan).update, { y: [[3]] });
  });
});
