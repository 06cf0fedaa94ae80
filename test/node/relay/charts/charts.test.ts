/**
 * `Charts.create`: a chart named by the first of its names its owner has not taken, its figure
 * written to text once however many names are tried, a bound's refusal answered at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Charts } from '../../../../src/relay/charts/charts.js';
import type { Figure } from '../../../../src/relay/charts/chart-figure.js';
import type { ChartLimits } from '../../../../src/relay/engines/chart-store.js';
import { MemoryChartStore } from '../../../../src/relay/engines/memory-chart-store.js';

const limits: ChartLimits = { maxFigureBytes: 10_000, maxChartsPerOwner: 4, maxCharts: 100, maxTotalBytes: 100_000 };

/** A figure that counts the times it is written to JSON (its layout's toJSON). */
function countedFigure(): { figure: Figure; writes: () => number } {
  let writes = 0;
  const layout = { toJSON: () => (writes++, { title: 'T' }) } as unknown as Record<string, unknown>;
  return { figure: { data: [{ y: [1, 2, 3] }], layout, config: {} }, writes: () => writes };
}

describe('Charts.create', () => {
  it('takes the first name not taken, writing the figure to text once', async () => {
    const charts = new Charts(new MemoryChartStore(limits));
    for (const name of ['f', 'f (1)'])
      assert.equal(typeof (await charts.create(countedFigure().figure, 'al', true, [name])), 'object');
    const { figure, writes } = countedFigure();
    const made = await charts.create(figure, 'al', true, ['f', 'f (1)', 'f (2)', 'f (3)']);
    assert.ok(typeof made === 'object');
    assert.equal(made.chart.filename, 'f (2)');
    assert.equal(writes(), 1);
    // Another owner's names are their own.
    const other = await charts.create(countedFigure().figure, 'bo', true, ['f']);
    assert.ok(typeof other === 'object' && other.chart.filename === 'f');
  });

  it('answers name-taken when every name is, and a bound at once', async () => {
    const store = new MemoryChartStore(limits);
    const charts = new Charts(store);
    for (const name of ['a', 'b', 'c']) await charts.create(countedFigure().figure, 'al', true, [name]);
    assert.equal(await charts.create(countedFigure().figure, 'al', true, ['a', 'b']), 'name-taken');
    await charts.create(countedFigure().figure, 'al', true, ['d']);
    // The owner keeps all it may: refused, whatever names are left to try.
    let tried = 0;
    const create = store.create.bind(store);
    store.create = (chart) => (tried++, create(chart));
    const { figure, writes } = countedFigure();
    assert.equal(await charts.create(figure, 'al', true, ['e', 'f', 'g']), 'owner-full');
    assert.equal(tried, 1);
    assert.equal(writes(), 1);
  });

  it('makes an unnamed chart by default', async () => {
    const charts = new Charts(new MemoryChartStore(limits));
    const made = await charts.create(countedFigure().figure, 'al', false);
    assert.ok(typeof made === 'object');
    assert.equal(made.chart.filename, null);
    assert.equal(made.chart.worldReadable, false);
    assert.match(made.chart.shareKey ?? '', /./);
  });
});
