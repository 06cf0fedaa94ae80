import { expect, fixture, html } from '@open-wc/testing';
import BundledPlotly from 'plotly.js-basic-dist';
import '../../src/index.js';
import type { PlotlyStreamElement } from '../../src/element.js';
import { drawnWhen } from '../support/drawn-when.js';

type Trace = { x: number[]; y: unknown[]; mode?: string };
type GraphDiv = HTMLDivElement & { data: Trace[]; _fullLayout: { xaxis: { _length: number } } };
/** The graph div, its traces' x and y as plain arrays (reduced ones are typed arrays). */
const gd = (el: PlotlyStreamElement) => {
  const div = el.graphDiv as GraphDiv;
  return {
    ...div,
    _fullLayout: div._fullLayout,
    data: div.data?.map((t) => ({ ...t, x: t.x && Array.from(t.x), y: t.y && Array.from(t.y) })),
  } as GraphDiv;
};
const div = (el: PlotlyStreamElement) => el.graphDiv as GraphDiv;
/** What a person's zoom and double-click do (the element's own calls do not include relayout). */
const Plotly = BundledPlotly as unknown as {
  relayout(gd: HTMLElement, update: Record<string, unknown>): Promise<unknown>;
};
const columns = (el: PlotlyStreamElement) => gd(el)._fullLayout.xaxis._length;

const spike = (i: number) => (i % 1009 === 300 ? 500 : i % 1013 === 600 ? -500 : Math.sin(i / 40));

async function chart(figure: unknown, width = 800) {
  const el = await fixture<PlotlyStreamElement>(
    html`<plotly-stream style="width:${width}px;height:300px" .figure=${figure}></plotly-stream>`,
  );
  await drawnWhen(el, () => gd(el).data?.length > 0, 'the figure is drawn');
  return el;
}

describe('<plotly-stream> decimation (big line windows drawn per pixel column)', () => {
  it('draws a 20 000-point line as at most four points a pixel, every spike kept; getWindow has every point', async () => {
    const el = await chart({ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 20_000 } }] });
    for (let i = 0; i < 30_000; i++) el.write('A', { x: i, y: spike(i) });
    await drawnWhen(el, () => gd(el).data[0]?.x.at(-1) === 29_999, 'the last point is drawn');
    const { x, y } = gd(el).data[0] as Trace;
    expect(x.length).to.be.at.most(4 * columns(el) + 4);
    expect(x.length).to.be.below(20_000);
    expect(x[0]).to.equal(10_000, 'the first point of the window is drawn');
    for (let i = 10_000; i < 30_000; i++) if (Math.abs(spike(i)) === 500) expect(x).to.include(i);
    expect(y).to.deep.equal(x.map(spike), 'every drawn point is a real sample');
    expect(el.stats.drawnPoints).to.equal(x.length);
    expect(div(el).data[0]?.y).to.be.instanceOf(Float64Array, 'numbers go to Plotly as a typed array');
    const window = el.getWindow(0) as Record<string, number[]>;
    expect(window['x']).to.have.length(20_000);
    expect(window['x']?.[0]).to.equal(10_000);
    expect(window['y']).to.deep.equal(Array.from({ length: 20_000 }, (_, i) => spike(i + 10_000)));
    expect(el.getWindow(5)).to.equal(null);
  });

  it('columns are as wide as the line: a 1-pixel line keeps up to four points a pixel, a 4-pixel line one', async () => {
    const counts: number[] = [];
    for (const width of [1, 2, 4]) {
      const el = await chart({
        data: [{ x: [], y: [], line: { width }, stream: { token: 'A', maxpoints: 20_000 } }],
      });
      for (let i = 0; i < 20_000; i++) el.write('A', { x: i, y: i % 2 === 0 ? i % 50 : -(i % 37) });
      // The first frame reduces for the element's width; the next for the plot's, once Plotly laid it out.
      const most = () => 4 * Math.ceil(columns(el) / width) + 8;
      await drawnWhen(el, () => gd(el).data[0]?.x.at(-1) === 19_999 && gd(el).data[0]!.x.length <= most(), 'drawn');
      const { x } = gd(el).data[0] as Trace;
      // Most columns of this signal have four distinct points; the grid may cut one more column.
      expect(x.length).to.be.at.least(3 * Math.floor(columns(el) / width));
      counts.push(x.length);
      el.remove();
    }
    expect(counts[0]).to.be.above(counts[1]! * 1.8);
    expect(counts[1]).to.be.above(counts[2]! * 1.8);
  });

  it('reduces only above four points a pixel: a 500-point line on a small chart is drawn whole', async () => {
    const el = await chart({ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 500 } }] }, 300);
    for (let i = 0; i < 500; i++) el.write('A', { x: i, y: i % 2 === 0 ? i % 50 : -(i % 37) });
    await drawnWhen(el, () => gd(el).data[0]?.x.at(-1) === 499, 'drawn');
    // The frame after a redraw looks at the plot again (the line's width is known once it has points).
    for (let i = 0; i < 5; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
    const pixels = columns(el);
    expect(500).to.be.above(4 * (pixels / 2), 'more than four points a 2-pixel column');
    expect(500).to.be.at.most(4 * pixels, 'not more than four a pixel');
    expect(gd(el).data[0]!.x).to.have.length(500);
    expect(el.stats.drawnPoints).to.equal(500);
  });

  it('while points stream in, frame after frame, every spike of the window stays drawn, with its first and last points', async () => {
    const el = await chart({ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 20_000 } }] });
    let next = 0;
    for (let batch = 0; batch < 40; batch++) {
      for (const end = next + 1000; next < end; next++) el.write('A', { x: next, y: spike(next) });
      await drawnWhen(el, () => gd(el).data[0]?.x.at(-1) === next - 1, `batch ${batch} drawn`);
      const { x, y } = gd(el).data[0] as Trace;
      const first = Math.max(0, next - 20_000);
      expect(x[0]).to.equal(first, 'the first point of the window');
      if (x.length < next - first)
        for (let i = first; i < next; i++) if (Math.abs(spike(i)) === 500) expect(x).to.include(i);
      expect(y).to.deep.equal(x.map(spike));
      for (let i = 1; i < x.length; i++) expect(x[i]).to.be.above(x[i - 1]!);
    }
  });

  it('decimate="off" draws every point; back to auto reduces again without new points', async () => {
    const el = await chart({ data: [{ y: [], stream: { token: 'A', maxpoints: 10_000 } }] });
    for (let i = 0; i < 10_000; i++) el.write('A', { y: spike(i) });
    await drawnWhen(el, () => el.stats.drawnPoints > 0 && el.stats.drawnPoints < 10_000, 'reduced');
    const reduced = gd(el).data[0] as Trace;
    expect(reduced.y).to.deep.equal(reduced.x.map(spike), 'without x, the kept positions are x');
    el.setAttribute('decimate', 'off');
    await drawnWhen(el, () => gd(el).data[0]?.y.length === 10_000, 'every point');
    expect(gd(el).data[0]?.x).to.equal(undefined, 'the positions made up for the reduction are gone');
    el.decimate = 'auto';
    await drawnWhen(el, () => gd(el).data[0]!.y.length < 10_000, 'reduced again');
  });

  it('re-reduces for a new width when the element is resized', async () => {
    const el = await chart({ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 20_000 } }] }, 900);
    for (let i = 0; i < 20_000; i++) el.write('A', { x: i, y: i % 2 === 0 ? i % 50 : -(i % 37) });
    await drawnWhen(el, () => gd(el).data[0]?.x.at(-1) === 19_999, 'drawn');
    const wide = gd(el).data[0]!.x.length;
    el.style.width = '300px';
    await drawnWhen(el, () => gd(el).data[0]!.x.length < wide * 0.6, 'fewer points for fewer pixels');
    expect(gd(el).data[0]!.x.length).to.be.at.most(4 * columns(el) + 4);
  });

  it('a zoom re-reduces the points in view, keeps its range while points arrive, and autoscale returns to the window', async () => {
    const el = await chart({ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 50_000 } }] });
    for (let i = 0; i < 50_000; i++) el.write('A', { x: i, y: spike(i) });
    await drawnWhen(el, () => gd(el).data[0]?.x.at(-1) === 49_999, 'drawn');
    await Plotly.relayout(div(el), { 'xaxis.range': [20_000, 20_400] });
    await drawnWhen(el, () => gd(el).data[0]!.x[0] === 19_999, 'only the points in view (and one each side)');
    const zoomed = gd(el).data[0]!.x;
    expect(zoomed.at(-1)).to.equal(20_401);
    expect(zoomed).to.have.length(403, 'under four a pixel in view: every one of them');
    for (let i = 50_000; i < 50_100; i++) el.write('A', { x: i, y: spike(i) });
    const frames = el.stats.frames;
    await drawnWhen(el, () => el.stats.frames > frames, 'a frame with the new points');
    expect(gd(el).data[0]!.x[0]).to.equal(19_999, 'still the points in view');
    expect((div(el) as unknown as { layout: { xaxis: { range: number[] } } }).layout.xaxis.range).to.deep.equal([
      20_000, 20_400,
    ]);
    await Plotly.relayout(div(el), { 'xaxis.autorange': true });
    await drawnWhen(el, () => gd(el).data[0]!.x.at(-1) === 50_099 && gd(el).data[0]!.x[0] === 100, 'the whole window');
    expect(gd(el).data[0]!.x.length).to.be.at.most(4 * columns(el) + 4);
  });

  it('markers-only and bar traces are drawn whole beside a reduced line', async () => {
    const el = await chart({
      data: [
        { x: [], y: [], stream: { token: 'A', maxpoints: 10_000 } },
        { x: [], y: [], mode: 'markers', stream: { token: 'A', maxpoints: 10_000 } },
        { type: 'bar', x: [], y: [], stream: { token: 'A', maxpoints: 10_000 } },
      ],
    });
    for (let i = 0; i < 10_000; i++) el.write('A', { x: i, y: spike(i) });
    await drawnWhen(el, () => gd(el).data[2]?.x.length === 10_000, 'drawn');
    expect(gd(el).data[0]!.x.length).to.be.below(10_000);
    expect(gd(el).data[1]!.x).to.have.length(10_000);
  });
  it('a dense line (a band) is drawn without antialiasing, reduced or whole; smooth and sparse lines keep it; markers too', async () => {
    const el = await chart({
      data: [
        { x: [], y: [], stream: { token: 'A', maxpoints: 20_000 } }, // noise: a solid band
        { x: [], y: [], stream: { token: 'B', maxpoints: 20_000 } }, // a slow sine: a smooth line
        { x: [], y: [], stream: { token: 'C', maxpoints: 300 } }, // noise, fewer points than pixels
        { x: [], y: [], stream: { token: 'D', maxpoints: 1500 } }, // noise drawn whole, 2 points a pixel
        { x: [], y: [], mode: 'lines+markers', stream: { token: 'E', maxpoints: 1500 } },
      ],
    });
    const noise = (i: number) => (i * 7919) % 1000;
    for (let i = 0; i < 20_000; i++) {
      el.write('A', { x: i, y: noise(i) });
      el.write('B', { x: i, y: 500 * Math.sin(i / 3000) });
      el.write('C', { x: i, y: noise(i) });
      el.write('D', { x: i, y: noise(i) });
      el.write('E', { x: i, y: noise(i) });
    }
    const trace = (i: number) => div(el).querySelectorAll('.scatterlayer g.trace.scatter')[i]!;
    const rendering = (i: number) => trace(i).querySelector(':scope > g.lines')!.getAttribute('shape-rendering');
    await drawnWhen(
      el,
      () => rendering(0) === 'optimizeSpeed' && rendering(3) === 'optimizeSpeed',
      'the bands drawn fast',
    );
    expect(gd(el).data[1]!.x.length).to.be.below(20_000, 'the sine is reduced too');
    expect(gd(el).data[3]!.x.length).to.equal(1500, 'drawn whole (under four points a pixel)');
    expect(rendering(1)).to.equal(null, 'a smooth reduced line keeps antialiasing');
    expect(rendering(2)).to.equal(null, 'a sparse zigzag keeps antialiasing');
    expect(rendering(4)).to.equal('optimizeSpeed');
    expect(trace(0).getAttribute('shape-rendering')).to.equal(null, 'the lines, not the trace group');
    expect(getComputedStyle(trace(0).querySelector('path.js-line')!).shapeRendering).to.equal('optimizespeed');
    expect(getComputedStyle(trace(4).querySelector('path.point')!).shapeRendering).to.equal('auto', 'markers keep it');
    // New points keep it (frames after the first go by update, not react).
    for (let i = 20_000; i < 20_100; i++) el.write('A', { x: i, y: noise(i) });
    await drawnWhen(el, () => gd(el).data[0]!.x.at(-1) === 20_099, 'drawn');
    expect(rendering(0)).to.equal('optimizeSpeed');
    el.decimate = 'off';
    await drawnWhen(el, () => gd(el).data[0]!.x.length === 20_000, 'every point');
    expect(rendering(0)).to.equal('optimizeSpeed', 'every point of noise is a band too');
  });

  it('a band that calms down gets antialiasing back', async () => {
    const el = await chart({ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 10_000 } }] });
    const lines = () => div(el).querySelector('.scatterlayer g.trace.scatter > g.lines')!;
    for (let i = 0; i < 10_000; i++) el.write('A', { x: i, y: (i * 7919) % 1000 });
    await drawnWhen(el, () => lines().getAttribute('shape-rendering') === 'optimizeSpeed', 'a band');
    for (let i = 10_000; i < 20_000; i++) el.write('A', { x: i, y: 500 });
    await drawnWhen(el, () => lines().getAttribute('shape-rendering') === null, 'a flat line, antialiased');
  });

  it('a band on a log y axis is found dense too (its pixels, not its values, are measured)', async () => {
    const el = await chart({
      data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 10_000 } }],
      layout: { yaxis: { type: 'log' } },
    });
    const lines = () => div(el).querySelector('.scatterlayer g.trace.scatter > g.lines')!;
    for (let i = 0; i < 10_000; i++) el.write('A', { x: i, y: 1 + ((i * 7919) % 1000) });
    await drawnWhen(el, () => lines().getAttribute('shape-rendering') === 'optimizeSpeed', 'a band');
  });
});
