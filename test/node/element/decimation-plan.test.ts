import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelOf as model } from '../../support/plot-model.js';
import type { ExtendPlan, GeometryOf, UpdatePlan } from '../../../src/element/frame-plan.js';
import type { TraceGeometry } from '../../../src/element/trace-window.js';

const width =
  (columns: number, range: TraceGeometry['range'] = null): GeometryOf =>
  () => ({ pixels: columns, columns, range });
const spike = (i: number) => (i % 997 === 500 ? 1000 : i % 13);

describe('frame planning with decimation (lines with more than 4 points a pixel are drawn reduced)', () => {
  it('a big window of a line is drawn reduced, every spike kept; the window keeps every point', () => {
    const { m } = model({ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 10_000 } }] });
    m.takeFrame(width(100)); // the first frame: the empty figure
    for (let i = 0; i < 25_000; i++) m.write('A', { x: i, y: spike(i) });
    const plan = m.takeFrame(width(100)) as UpdatePlan;
    assert.equal(plan.kind, 'update');
    const x = (plan.traces['x'] as number[][])[0] as number[];
    const y = (plan.traces['y'] as number[][])[0] as number[];
    assert.ok(y.length <= 400 && y.length > 100, `${y.length} points for 100 columns`);
    assert.equal(x[0], 15_000, 'the first point of the window');
    assert.equal(x.at(-1), 24_999, 'and its last');
    for (let i = 15_000; i < 25_000; i++) if (spike(i) === 1000) assert.ok(x.includes(i), `spike at ${i}`);
    assert.deepEqual(
      x.map((xi) => spike(xi)),
      y,
      'every drawn point is a real sample',
    );
    assert.ok(
      x.every((xi, i) => i === 0 || xi > (x[i - 1] as number)),
      'in x order',
    );
    assert.equal(m.stats.drawnPoints, y.length);
    const window = m.window(0) as Record<string, number[]>;
    assert.equal(window['y']?.length, 10_000);
    assert.equal(window['x']?.[0], 15_000);
    assert.equal(window['x']?.[9999], 24_999);
  });

  it('without x, the kept positions are x; back under the threshold the trace is whole again and x goes', () => {
    const { m } = model({ data: [{ y: [], stream: { token: 'A', maxpoints: 1000 } }] });
    for (let i = 0; i < 1000; i++) m.write('A', { y: i % 2 });
    const plan = m.takeFrame(width(10)) as UpdatePlan;
    const reduced = {
      x: Array.from((plan.traces['x'] as number[][])[0] as number[]),
      y: Array.from((plan.traces['y'] as number[][])[0] as number[]),
    };
    assert.ok((plan.traces['x'] as unknown[])[0] instanceof Int32Array, 'positions as a typed array');
    assert.ok((plan.traces['y'] as unknown[])[0] instanceof Float64Array, 'numbers as a typed array');
    assert.ok(reduced.x.length <= 40);
    assert.deepEqual(
      reduced.x.map((i) => i % 2),
      reduced.y,
    );
    assert.equal(m.takeFrame(width(10)), null, 'nothing changed, nothing drawn');
    const whole = m.takeFrame(width(1000)) as UpdatePlan;
    assert.equal(whole.kind, 'update', 'a wider plot: drawn whole');
    assert.equal((whole.traces['y'] as unknown[][])[0]?.length, 1000);
    assert.deepEqual(whole.traces['x'], [null], 'the made-up x is removed');
    m.write('A', { y: 5 });
    assert.equal((m.takeFrame(width(1000)) as ExtendPlan).kind, 'extend', 'then appends extend again');
  });

  it('re-reduces on a new width or range without new points; a range reduces the points in view', () => {
    const { m } = model({ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 100_000 } }] });
    for (let i = 0; i < 100_000; i++) m.write('A', { x: i * 10, y: i % 100 });
    const narrow = m.takeFrame(width(500)) as UpdatePlan;
    const wider = m.takeFrame(width(1000)) as UpdatePlan;
    const drawn = (plan: UpdatePlan) => (plan.traces['y'] as unknown[][])[0]?.length ?? 0;
    assert.ok(drawn(wider) > drawn(narrow), 'more columns, more points');
    assert.ok(drawn(wider) <= 4000);
    const zoomed = m.takeFrame(width(1000, [200_000, 210_000])) as UpdatePlan;
    const x = (zoomed.traces['x'] as number[][])[0] as number[];
    assert.equal(x[0], 199_990, 'one point before the range');
    assert.equal(x.at(-1), 210_010, 'one point after it');
    assert.equal(x.length, 1003, 'in view there is a point a column: all drawn');
    assert.equal(m.takeFrame(width(1000, [200_000, 210_000])), null);
    const deeper = m.takeFrame(width(1000, [200_000, 300_000])) as UpdatePlan;
    assert.ok(drawn(deeper) <= 4002, 'ten points a column in view: reduced');
    const zoomedOut = m.takeFrame(width(1000, [0, 1_000_000])) as UpdatePlan;
    assert.ok(((zoomedOut.traces['x'] as unknown[][])[0]?.length ?? 0) <= 4000);
  });

  it('per-point keys besides x and y are reduced with them; other traces in the frame are drawn whole', () => {
    const { m } = model({
      data: [
        { x: [], y: [], text: [], stream: { token: 'A', maxpoints: 5000 } },
        { x: [], y: [], mode: 'markers', stream: { token: 'B', maxpoints: 5000 } },
        { type: 'bar', x: [], y: [], stream: { token: 'C', maxpoints: 5000 } },
      ],
    });
    m.takeFrame(width(10));
    for (let i = 0; i < 5000; i++) {
      m.write('A', { x: i, y: i % 7, text: `p${i}` });
      m.write('B', { x: i, y: i });
      m.write('C', { x: i, y: i });
    }
    const plan = m.takeFrame(width(10)) as UpdatePlan;
    const [ax, bx, cx] = plan.traces['x'] as number[][];
    const text = (plan.traces['text'] as string[][])[0] as string[];
    assert.ok((ax?.length ?? 0) <= 40);
    assert.deepEqual(
      text,
      Array.from(ax ?? [], (i) => `p${i}`),
      'text reduced with x and y (a plain array: not numbers)',
    );
    assert.equal(bx?.length, 5000, 'markers only: every point');
    assert.equal(cx?.length, 5000, 'a bar trace: every point');
  });

  it('no reduction for x that is not ascending, for a stacked or x0/dx trace, or with decimation off', () => {
    const { m } = model({
      data: [
        { x: [], y: [], stream: { token: 'A', maxpoints: 1000 } },
        { y: [], stackgroup: 'one', stream: { token: 'B', maxpoints: 1000 } },
        { y: [], x0: 5, dx: 2, stream: { token: 'C', maxpoints: 1000 } },
      ],
    });
    m.takeFrame(null);
    for (let i = 0; i < 1000; i++) {
      m.write('A', { x: i === 500 ? 0 : i, y: i });
      m.write('B', { y: i });
      m.write('C', { y: i });
    }
    const plan = m.takeFrame(width(10)) as UpdatePlan;
    assert.deepEqual(
      (plan.traces['y'] as unknown[][]).map((y) => y.length),
      [1000, 1000, 1000],
      'all three drawn whole',
    );
    const { m: off } = model({ data: [{ y: [], stream: { token: 'A', maxpoints: 1000 } }] });
    off.takeFrame(null);
    for (let i = 0; i < 1000; i++) off.write('A', { y: i });
    assert.equal(((off.takeFrame(null) as ExtendPlan).update['y']?.[0] as unknown[]).length, 1000);
  });

  it('date x reduces like numbers; a gap (null y) stays a gap', () => {
    const { m } = model({ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 2000 } }] });
    m.takeFrame(null);
    const start = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 2000; i++)
      m.write('A', { x: new Date(start + i * 1000).toISOString().replace('Z', ''), y: i === 1000 ? null : i % 5 });
    const plan = m.takeFrame(width(20)) as UpdatePlan;
    const y = (plan.traces['y'] as unknown[][])[0] as unknown[];
    assert.ok(y.length <= 90);
    assert.ok(y.includes(null), 'the gap is drawn');
  });
});
