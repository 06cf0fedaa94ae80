import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/index.js';
import type { PlotlyStreamElement } from '../../src/element.js';
import { ManualFrames } from '../support/manual-frames.js';
import { spyPlotly } from '../support/spy-plotly.js';

type GraphDiv = HTMLDivElement & { data: Array<Record<string, any>>; layout: Record<string, any> };
const gd = (el: PlotlyStreamElement) => el.graphDiv as GraphDiv;
/** Lets Plotly's promises settle between manual frames. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function mount(figure: unknown, frames = new ManualFrames()) {
  const spy = spyPlotly();
  const el = await fixture<PlotlyStreamElement>(
    html`<plotly-stream .plotly=${spy.api} .frameScheduler=${frames} .figure=${figure}></plotly-stream>`,
  );
  /** Runs display frames until the element has drawn what is pending. */
  const frame = async (count = 3) => {
    for (let i = 0; i < count; i++) {
      frames.tick();
      await settle();
    }
  };
  await frame();
  spy.calls.length = 0;
  return { el, spy, frames, frame };
}

describe('<plotly-stream> rendering', () => {
  it('scalars append, arrays overwrite, layout relayouts', async () => {
    const { el, frame } = await mount({
      data: [
        { x: [], y: [], stream: { token: 'A' } },
        { x: ['a', 'b'], y: [0, 0], type: 'bar', stream: { token: 'B' } },
      ],
    });
    el.write('A', { x: 1, y: 10, text: 'one', marker: { color: 'red', size: 4 }, customdata: 'c1' });
    el.write('A', { x: 2, y: 20, text: 'two', marker: { color: 'blue', size: 6 }, customdata: 'c2' });
    el.write('B', { y: [3, 4] });
    el.write('B', { layout: { title: { text: 'live' }, yaxis: { range: [0, 10] } } });
    await frame();
    const [a, b] = gd(el).data;
    expect(a!['x']).to.deep.equal([1, 2]);
    expect(a!['y']).to.deep.equal([10, 20]);
    expect(a!['text']).to.deep.equal(['one', 'two']);
    expect(a!['marker'].color).to.deep.equal(['red', 'blue']);
    expect(a!['marker'].size).to.deep.equal([4, 6]);
    expect(a!['customdata']).to.deep.equal(['c1', 'c2']);
    expect(b!['x']).to.deep.equal(['a', 'b']);
    expect(b!['y']).to.deep.equal([3, 4]);
    expect(gd(el).layout['title'].text).to.equal('live');
    expect(gd(el).layout['yaxis'].range).to.deep.equal([0, 10]);
    // Layout updates merge: the title set before survives a later axis-only update.
    el.write('B', { layout: { xaxis: { title: { text: 'x' } } } });
    await frame();
    expect(gd(el).layout['title'].text).to.equal('live');
    expect(gd(el).layout['xaxis'].title.text).to.equal('x');
  });

  it('feeds subplots of one token: two traces on x/y and x2/y2 each get every message', async () => {
    const { el, frame, spy } = await mount({
      data: [
        { y: [], stream: { token: 'S' } },
        { y: [], xaxis: 'x2', yaxis: 'y2', stream: { token: 'S', maxpoints: 2 } },
      ],
      layout: { grid: { rows: 2, columns: 1, pattern: 'independent' } },
    });
    for (const y of [1, 2, 3]) el.write('S', { y });
    await frame();
    expect(gd(el).data[0]!['y']).to.deep.equal([1, 2, 3]);
    expect(gd(el).data[1]!['y']).to.deep.equal([2, 3]);
    expect(gd(el).data[1]!['xaxis']).to.equal('x2');
    expect(el.graphDiv!.querySelectorAll('.subplot').length).to.equal(2);
    expect(spy.drawCalls().map((c) => c.name)).to.deep.equal(['extendTraces']);
  });

  it("draws every axis's tick labels unmeasured (allow) unless the figure's axis or template says otherwise", async () => {
    const { el } = await mount({
      data: [
        { y: [1, 2], stream: { token: 'S' } },
        { y: [1, 2], xaxis: 'x2', yaxis: 'y2' },
        { y: [1, 2], xaxis: 'x3', yaxis: 'y3' },
      ],
      layout: {
        grid: { rows: 3, columns: 1, pattern: 'independent' },
        yaxis2: { ticklabeloverflow: 'hide past domain' },
        template: { layout: { yaxis: { ticklabeloverflow: 'hide past div' }, font: { size: 9 } } },
      },
    });
    const full = (el.graphDiv as unknown as { _fullLayout: Record<string, any> })._fullLayout;
    const overflow = (name: string) => full[name].ticklabeloverflow;
    expect(['xaxis', 'xaxis2', 'xaxis3'].map(overflow)).to.deep.equal(['allow', 'allow', 'allow']);
    expect(['yaxis', 'yaxis2', 'yaxis3'].map(overflow)).to.deep.equal([
      'hide past div',
      'hide past domain',
      'hide past div',
    ]);
    expect(full['font'].size).to.equal(9);
  });

  it('keeps the exact maxpoints window after 10 x maxpoints points over many frames', async () => {
    const { el, frame } = await mount({ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 50 } }] });
    for (let i = 0; i < 500; i++) {
      el.write('A', { x: i, y: i * 2 });
      if (i % 7 === 0) await frame(1);
    }
    await frame();
    const expected = Array.from({ length: 50 }, (_, k) => 450 + k);
    expect(gd(el).data[0]!['x']).to.deep.equal(expected);
    expect(gd(el).data[0]!['y']).to.deep.equal(expected.map((v) => v * 2));
  });

  it('turns 10 000 messages in one frame into one Plotly call with the right window', async () => {
    const { el, frame, spy } = await mount({ data: [{ y: [], stream: { token: 'A', maxpoints: 500 } }] });
    for (let i = 0; i < 10_000; i++) el.write('A', { y: i });
    await frame();
    const calls = spy.drawCalls();
    expect(calls.length).to.equal(1);
    expect(calls[0]!.name).to.equal('extendTraces');
    const y = gd(el).data[0]!['y'] as number[];
    expect(y.length).to.equal(500);
    expect(y[0]).to.equal(9500);
    expect(y[499]).to.equal(9999);
    expect(el.stats.points).to.equal(10_000);
    expect(el.stats.drops).to.equal(9500);
    // maxPoints goes in Plotly's object form: a plain number array would be ignored silently.
    expect(calls[0]!.args[3]).to.deep.equal({ y: [500] });
  });

  it("draws a streaming line by Plotly's range path: a relayout of its autoranged axes, the view still live", async () => {
    const start = Array.from({ length: 30 }, (_, i) => i);
    const { el, frame, spy } = await mount({
      data: [{ x: start, y: start, mode: 'lines', stream: { token: 'A', maxpoints: 40 } }],
    });
    const views: unknown[] = [];
    el.addEventListener('plotly-stream-view', (e) => views.push(e.detail));
    const kinds: string[] = [];
    el.addEventListener('plotly-stream-render', (e) => kinds.push(e.detail.kind));
    for (let x = 30; x < 100; x++) {
      el.write('A', { x, y: -x });
      if (x % 10 === 9) await frame(1);
    }
    await frame();
    const names = spy.drawCalls().map((c) => c.name);
    expect(names.length).to.be.greaterThan(1);
    expect(names).to.deep.equal(Array(names.length).fill('relayout'));
    expect(spy.drawCalls()[0]!.args[1]).to.deep.equal({ 'xaxis.autorange': true, 'yaxis.autorange': true });
    expect(kinds).to.deep.equal(Array(names.length).fill('extend'));
    expect(Array.from(gd(el).data[0]!['x'] as number[])).to.deep.equal(Array.from({ length: 40 }, (_, i) => 60 + i));
    const fullLayout = (el.graphDiv as unknown as { _fullLayout: Record<string, { range: number[] }> })._fullLayout;
    expect(fullLayout['xaxis']!.range).to.deep.equal([60, 99]);
    expect(el.view).to.equal('live');
    expect(views).to.deep.equal([]);
    // A person's zoom still holds the view, and the next frames go by extendTraces, the range kept.
    await el.plotly.relayout(el.graphDiv!, { 'xaxis.range': [70, 80] });
    expect(el.view).to.equal('held');
    spy.calls.length = 0;
    el.write('A', { x: 100, y: -100 });
    await frame();
    expect(spy.drawCalls().map((c) => c.name)).to.deep.equal(['extendTraces']);
    expect(fullLayout['xaxis']!.range).to.deep.equal([70, 80]);
  });

  it('respects max-fps: 20 draws in 60 frames at 60 Hz, 10 at max-fps 10', async () => {
    const { el, frames, spy } = await mount({ data: [{ y: [], stream: { token: 'A' } }] });
    const run = async (ticks: number) => {
      spy.calls.length = 0;
      for (let i = 0; i < ticks; i++) {
        el.write('A', { y: i });
        frames.tick();
        await settle();
      }
      return spy.drawCalls().length;
    };
    await run(6);
    const at20 = await run(60);
    expect(at20).to.be.within(19, 21);
    el.maxFps = 10;
    await run(6);
    const at10 = await run(60);
    expect(at10).to.be.within(9, 11);
  });

  it('extends traces whose figure data is typed and shorter than maxpoints (no RangeError)', async () => {
    const errors: string[] = [];
    const { el, frame } = await mount({
      data: [{ x: new Float64Array([0, 1]), y: new Float32Array([5, 6]), stream: { token: 'A', maxpoints: 100 } }],
    });
    el.addEventListener('plotly-stream-error', (e) => errors.push(e.detail.message));
    el.write('A', { x: 2, y: 7 });
    await frame();
    expect(errors).to.deep.equal([]);
    expect(Array.from(gd(el).data[0]!['y'])).to.deep.equal([5, 6, 7]);
  });

  it('pause buffers without drawing; resume draws the latest window once', async () => {
    const { el, frame, spy } = await mount({ data: [{ y: [], stream: { token: 'A', maxpoints: 5 } }] });
    el.pause();
    expect(el.paused).to.equal(true);
    for (let i = 0; i < 100; i++) el.write('A', { y: i });
    await frame(10);
    expect(spy.drawCalls().length).to.equal(0);
    expect(el.stats.messages).to.equal(100);
    el.resume();
    await el.updateComplete;
    await frame();
    expect(spy.drawCalls().length).to.equal(1);
    expect(gd(el).data[0]!['y']).to.deep.equal([95, 96, 97, 98, 99]);
  });

  it('draws nothing while no animation frames come (hidden tab), then the latest window once', async () => {
    const { el, frames, frame, spy } = await mount({ data: [{ y: [], stream: { token: 'A', maxpoints: 100 } }] });
    for (let i = 0; i < 50_000; i++) el.write('A', { y: i });
    expect(spy.drawCalls().length).to.equal(0);
    expect(frames.pending).to.equal(1);
    await frame(5);
    expect(spy.drawCalls().length).to.equal(1);
    const y = gd(el).data[0]!['y'] as number[];
    expect(y.length).to.equal(100);
    expect(y[99]).to.equal(49_999);
  });

  it('write() works without src: idle state, same rules as the wire, JSON lines too', async () => {
    const { el, frame } = await mount({ data: [{ y: [], stream: { token: 'A' } }] });
    expect(el.state).to.equal('idle');
    expect(el.write('A', '{"y": 1}')).to.equal(true);
    expect(el.write('A', '')).to.equal(true); // a heartbeat
    expect(el.write('A', { y: 2 })).to.equal(true);
    await frame();
    expect(gd(el).data[0]!['y']).to.deep.equal([1, 2]);
  });

  it('rejects bad JSON and non-objects alone, with an error event; the messages around them are drawn', async () => {
    const { el, frame } = await mount({ data: [{ y: [], stream: { token: 'A' } }] });
    const errors: Array<{ code: string; token?: string }> = [];
    el.addEventListener('plotly-stream-error', (e) => errors.push(e.detail));
    el.write('A', { y: 1 });
    expect(el.write('A', '{"y": 2')).to.equal(false);
    expect(el.write('A', '[1, 2]')).to.equal(false);
    expect(el.write('A', 42)).to.equal(false);
    expect(el.write('A', null)).to.equal(false);
    el.write('A', { y: 3, layout: 'wide' });
    el.write('A', { y: 4, extra: 'x' });
    el.write('A', { y: 5, extra: 'y' });
    await frame();
    expect(gd(el).data[0]!['y']).to.deep.equal([1, 3, 4, 5]);
    expect(errors.map((e) => e.code)).to.deep.equal([
      'invalid-json',
      'not-an-object',
      'not-an-object',
      'not-an-object',
      'bad-layout',
      'unknown-key',
    ]);
    expect(errors.every((e) => e.token === 'A')).to.equal(true);
    expect(el.stats.rejected).to.equal(5);
  });

  it("clear(token) empties that token's traces back to the figure; clear() all of them", async () => {
    const { el, frame } = await mount({
      data: [
        { y: [], stream: { token: 'A' } },
        { y: [9], stream: { token: 'B' } },
      ],
    });
    el.write('A', { y: 1 });
    el.write('B', { y: 2 });
    await frame();
    el.clear('A');
    await frame();
    expect(gd(el).data[0]!['y']).to.deep.equal([]);
    expect(gd(el).data[1]!['y']).to.deep.equal([9, 2]);
    el.clear();
    await frame();
    expect(gd(el).data[1]!['y']).to.deep.equal([9]);
  });

  it("a Plotly call that throws is reported, and the next frame redraws from the element's windows", async () => {
    const { el, frame, spy } = await mount({ data: [{ y: [], stream: { token: 'A' } }] });
    const real = spy.api.extendTraces;
    spy.api.extendTraces = () => {
      throw new Error('boom');
    };
    const error = oneEvent(el, 'plotly-stream-error');
    el.write('A', { y: 1 });
    await frame();
    expect((await error).detail.code).to.equal('render-failed');
    spy.api.extendTraces = real;
    el.write('A', { y: 2 });
    await frame();
    expect(gd(el).data[0]!['y']).to.deep.equal([1, 2]);
  });

  it("follows the element's size (ResizeObserver) and keeps the same window", async () => {
    const { el, frame } = await mount({ data: [{ y: [], stream: { token: 'A' } }] });
    el.style.width = '400px';
    el.style.height = '250px';
    el.write('A', { y: 1 });
    el.write('A', { y: 2 });
    await frame();
    const layout = () => (el.graphDiv as unknown as { _fullLayout: { width: number; height: number } })._fullLayout;
    const until = async (test: () => boolean) => {
      for (let i = 0; i < 300 && !test(); i++) await new Promise((r) => requestAnimationFrame(r));
    };
    await until(() => layout().width === 400);
    expect(layout().width).to.equal(400);
    expect(layout().height).to.equal(250);
    el.style.width = '300px';
    await until(() => layout().width === 300);
    expect(layout().width).to.equal(300);
    expect(gd(el).data[0]!['y']).to.deep.equal([1, 2]);
  });

  it('stats count messages, points, frames and the last render time', async () => {
    const { el, frame } = await mount({ data: [{ y: [], stream: { token: 'A' } }] });
    const before = el.stats.frames;
    el.write('A', { y: 1 });
    el.write('A', { layout: { title: { text: 't' } } });
    await frame();
    const stats = el.stats;
    expect(stats.messages).to.equal(2);
    expect(stats.points).to.equal(1);
    expect(stats.frames).to.equal(before + 1);
    expect(stats.lastRenderMs).to.be.greaterThan(0);
  });
});

describe('animationFrames (the element default frame scheduler)', () => {
  it('draws outside a frame at most once between two of the page’s frames, page-wide', async () => {
    const { animationFrames } = await import('../../src/element/frame-loop.js');
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const ran: number[] = [];
    const first = animationFrames.soon?.((time) => ran.push(time));
    expect(first).to.be.a('function');
    expect(animationFrames.soon?.(() => ran.push(-1))).to.equal(null, 'a second one waits for a frame');
    await Promise.resolve();
    expect(ran).to.have.length(1, 'run once the task is done');
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const again = animationFrames.soon?.(() => ran.push(2));
    expect(again).to.be.a('function', 'available again after a frame');
    again?.();
    await Promise.resolve();
    expect(ran).to.have.length(1, 'a cancelled one does not run');
  });
});
