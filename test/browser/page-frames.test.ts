/**
 * The page's frames in Chromium: a chart out of view (scrolled away, display: none) draws nothing
 * while its window stays exact, and draws its latest window once back in view; the charts of a
 * page share a frame budget in turns, none starving, nothing lost.
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import '../../src/index.js';
import type { PlotlyStreamElement } from '../../src/element.js';
import { drawnWhen } from '../support/drawn-when.js';

const ys = (el: PlotlyStreamElement) =>
  ((el.graphDiv as unknown as { data?: Array<{ y: number[] }> } | null)?.data?.[0]?.y ?? []) as number[];
const frames = (n: number) =>
  new Promise<void>((resolve) => {
    const next = (left: number) => (left === 0 ? resolve() : requestAnimationFrame(() => next(left - 1)));
    next(n);
  });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function chart(token: string, maxpoints = 50): PlotlyStreamElement {
  const el = document.createElement('plotly-stream');
  el.style.cssText = 'display:block;width:300px;height:150px';
  el.figure = { data: [{ y: [], stream: { token, maxpoints } }] };
  return el;
}

describe('page frames: charts out of view draw nothing, and the page shares its frames', () => {
  afterEach(() => {
    fixtureCleanup();
    window.scrollTo(0, 0);
  });

  it('a chart scrolled out of view draws nothing while its window stays exact; scrolled back, it draws its latest window', async () => {
    const root = await fixture<HTMLDivElement>(html`<div></div>`);
    const el = chart('scrolled');
    root.append(el, Object.assign(document.createElement('div'), { style: 'height:4000px' }));
    for (let i = 1; i <= 10; i++) el.write('scrolled', { y: i });
    await drawnWhen(el, () => ys(el).length === 10, 'the first points drawn');
    window.scrollTo(0, 3000);
    await frames(3);
    const drawnBefore = el.stats.frames;
    for (let i = 11; i <= 200; i++) {
      el.write('scrolled', { y: i });
      if (i % 20 === 0) await frames(1);
    }
    await frames(5);
    expect(el.stats.frames, 'nothing drawn out of view').to.equal(drawnBefore);
    expect(el.getWindow(0)?.['y']).to.deep.equal(range(151, 200), 'the window kept exact');
    window.scrollTo(0, 0);
    await drawnWhen(el, () => ys(el).at(-1) === 200, 'the latest window drawn back in view');
    expect(ys(el)).to.deep.equal(range(151, 200));
  });

  it('a chart under display: none draws nothing; shown again, it draws its latest window', async () => {
    const el = await fixture<PlotlyStreamElement>(html`<div></div>`).then((root) => root.appendChild(chart('hidden')));
    el.write('hidden', { y: 1 });
    await drawnWhen(el, () => ys(el).length === 1, 'drawn');
    el.style.display = 'none';
    await frames(3);
    const drawnBefore = el.stats.frames;
    for (let i = 2; i <= 120; i++) el.write('hidden', { y: i });
    await frames(5);
    expect(el.stats.frames).to.equal(drawnBefore);
    el.style.display = 'block';
    await drawnWhen(el, () => ys(el).at(-1) === 120, 'drawn once shown');
    expect(ys(el)).to.deep.equal(range(71, 120));
  });

  it('charts take turns within the frame budget: at most the budget (one chart here) a frame, every chart drawn, nothing lost', async () => {
    const Element = customElements.get('plotly-stream') as unknown as typeof PlotlyStreamElement;
    const budget = Element.frameBudgetMs;
    Element.frameBudgetMs = 0.001; // any draw spends it: one chart a frame
    try {
      const root = await fixture<HTMLDivElement>(html`<div style="display:flex;flex-wrap:wrap"></div>`);
      const charts = Array.from({ length: 12 }, (_, i) => root.appendChild(chart(`turn${i}`)));
      for (const el of charts) el.style.width = '120px';
      await frames(2);
      // Draws counted per animation frame, page-wide, while every chart has work.
      const perFrame: number[] = [];
      let last = 0;
      let counting = true;
      const count = () => {
        const total = charts.reduce((sum, el) => sum + el.stats.frames, 0);
        perFrame.push(total - last);
        last = total;
        if (counting) requestAnimationFrame(count);
      };
      last = charts.reduce((sum, el) => sum + el.stats.frames, 0);
      requestAnimationFrame(count);
      for (let round = 1; round <= 5; round++) {
        charts.forEach((el, i) => el.write(`turn${i}`, { y: round * 100 + i }));
        await frames(2);
      }
      await Promise.all(charts.map((el, i) => drawnWhen(el, () => ys(el).at(-1) === 500 + i, `chart ${i} drawn`)));
      counting = false;
      // One draw from the budget, and one more for work that arrives after an idle frame.
      expect(Math.max(...perFrame)).to.be.at.most(2, `draws per frame: ${perFrame.join(',')}`);
      charts.forEach((el, i) => expect(ys(el)).to.deep.equal([1, 2, 3, 4, 5].map((r) => r * 100 + i)));
    } finally {
      Element.frameBudgetMs = budget;
    }
  });

  it('frameBudgetMs keeps a valid budget: a number above zero', () => {
    const Element = customElements.get('plotly-stream') as unknown as typeof PlotlyStreamElement;
    const budget = Element.frameBudgetMs;
    expect(budget).to.equal(12);
    Element.frameBudgetMs = -1;
    Element.frameBudgetMs = Number.NaN;
    expect(Element.frameBudgetMs).to.equal(12);
  });
});
