import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFigure } from '../../../src/element/figure.js';
import { modelOf, modelOf as model } from '../../support/plot-model.js';
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
    assert.deepEqual(full.layout, {
      title: { text: 'b' },
      height: 300,
      uirevision: 'plotly-stream-1',
      template: { layout: { xaxis: { ticklabeloverflow: 'allow' }, yaxis: { ticklabeloverflow: 'allow' } } },
    });
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

  it('a message with __proto__ or constructor.prototype (in layout, in a trace key) changes no prototype; the rest applies', () => {
    const { m, errors } = model({ data: [{ y: [], stream: { token: 'A' } }], layout: { title: { text: 't' } } });
    for (const text of [
      '{"layout":{"__proto__":{"polluted":1}},"y":1}',
      '{"layout":{"constructor":{"prototype":{"polluted":1}}},"y":2}',
      '{"__proto__":{"polluted":1},"marker":{"__proto__":{"polluted":1}},"y":3}',
      '{"layout":{"__proto__.polluted":1,"constructor.prototype.polluted":1},"y":4}',
    ])
      m.write('A', JSON.parse(text)); // unfiltered, as a caller of write() may pass it
    const plan = m.takeFrame();
    assert.ok(plan !== null);
    const full = m.fullFigure();
    assert.deepEqual(full.data[0]?.['y'], [1, 2, 3, 4]);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype is untouched');
    assert.equal(Object.getPrototypeOf(full.layout), Object.prototype);
    assert.ok(errors.some((e) => e.code === 'unknown-key' && /__proto__/.test(e.message)));
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
  it('writeColumns does what writing each message does: points, times (gap points), unknown keys, counters, the frame', () => {
    const figure = {
      data: [
        { x: [], y: [], stream: { token: 'A', maxpoints: 6, gap: 50 } },
        { x: [], y: [], stream: { token: 'A', maxpoints: 6 } },
      ],
    };
    const rows = [
      { x: 1, y: 10, t: 'a' },
      { x: 2, y: null, t: 'b' },
      { x: 3, y: 30, t: 'c' },
      { x: 4, y: 40, t: 'd' },
    ];
    const dt = [0, 10, 100, 101];
    const one = modelOf(figure);
    rows.forEach((row, i) => one.m.write('A', row, 1000 + (dt[i] as number)));
    one.m.write('nobody', { y: 1 });
    const columns = modelOf(figure);
    columns.m.writeColumns('A', { x: [1, 2, 3, 4], y: [10, null, 30, 40], t: ['a', 'b', 'c', 'd'] }, 1000, dt);
    columns.m.writeColumns('nobody', { y: [1] }, 1000);
    assert.deepEqual(columns.m.windowsByTrace(), one.m.windowsByTrace());
    assert.deepEqual(columns.m.window(0)?.['x'], [1, 2, 2, 3, 4], 'a gap point where 90 ms passed');
    assert.deepEqual(columns.m.stats, one.m.stats);
    assert.deepEqual(columns.errors, one.errors);
    assert.deepEqual(
      columns.errors.map((e) => e.code),
      ['unknown-key', 'unknown-token'],
    );
    assert.deepEqual(columns.m.takeFrame(), one.m.takeFrame());
  });

  it('writeColumns without a per-point key counts the messages and appends nothing', () => {
    const { m, errors } = modelOf({ data: [{ y: [], stream: { token: 'A' } }] });
    m.writeColumns('A', { t: [1, 2, 3] }, 0);
    assert.equal(m.stats.messages, 3);
    assert.equal(m.stats.points, 0);
    assert.deepEqual(m.window(0), { y: [] });
    assert.deepEqual(
      errors.map((e) => e.code),
      ['unknown-key'],
    );
  });
});
