import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys, sendMouse } from '@web/test-runner-commands';
import '../../src/index.js';
import type { PlotlyStreamElement } from '../../src/element.js';
import { drawnWhen } from '../support/drawn-when.js';

type GraphDiv = HTMLDivElement & {
  layout: { xaxis: { range: number[]; autorange: unknown }; yaxis: { autorange: unknown } };
  _fullLayout: { xaxis: { range: number[] } };
};
const gd = (el: PlotlyStreamElement) => el.graphDiv as GraphDiv;

async function streaming() {
  const el = await fixture<PlotlyStreamElement>(
    html`<plotly-stream
      style="width:700px;height:400px"
      .figure=${{ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 1000 } }] }}
    ></plotly-stream>`,
  );
  let x = 0;
  const write = (count: number) => {
    for (let i = 0; i < count; i++, x++) el.write('A', { x, y: Math.sin(x / 10) });
  };
  write(100);
  await drawnWhen(el, () => (el.getWindow(0)?.['x']?.length ?? 0) === 100 && el.stats.drawnPoints === 100, 'drawn');
  return { el, write, last: () => x - 1 };
}

/** Drags a box on the plot area with the real mouse (Plotly's default drag mode is a box zoom). */
async function boxZoom(el: PlotlyStreamElement) {
  const area = (gd(el).querySelector('.nsewdrag') as Element).getBoundingClientRect();
  const at = (fx: number, fy: number) => [
    Math.round(area.left + area.width * fx),
    Math.round(area.top + area.height * fy),
  ];
  await sendMouse({ type: 'move', position: at(0.2, 0.2) as [number, number] });
  await sendMouse({ type: 'down' });
  await sendMouse({ type: 'move', position: at(0.35, 0.5) as [number, number] });
  await sendMouse({ type: 'move', position: at(0.5, 0.8) as [number, number] });
  await sendMouse({ type: 'up' });
}

describe('<plotly-stream> holds the view the person chose', () => {
  it('a box zoom by the mouse holds the range while 200 more points arrive; the window keeps rolling', async () => {
    const { el, write, last } = await streaming();
    expect(el.view).to.equal('live');
    expect(el.getAttribute('view')).to.equal('live');
    const held = oneEvent(el, 'plotly-stream-view');
    await boxZoom(el);
    expect((await held).detail).to.deep.equal({ view: 'held', reason: 'zoom' });
    expect(el.getAttribute('view')).to.equal('held');
    const range = [...gd(el).layout.xaxis.range];
    for (let i = 0; i < 4; i++) {
      write(50);
      const frames = el.stats.frames;
      await drawnWhen(el, () => el.stats.frames > frames, 'a frame');
    }
    expect(el.getWindow(0)?.['x']?.at(-1)).to.equal(last());
    expect(gd(el).layout.xaxis.range).to.deep.equal(range, 'the zoomed range stays');
    expect(el.view).to.equal('held');
    el.remove();
  });

  it("Plotly's autoscale returns to live and draws the current window", async () => {
    const { el, write, last } = await streaming();
    await boxZoom(el);
    expect(el.view).to.equal('held');
    write(300);
    const live = oneEvent(el, 'plotly-stream-view');
    (gd(el).querySelector('.modebar-btn[data-title="Autoscale"]') as HTMLElement).click();
    expect((await live).detail).to.deep.equal({ view: 'live', reason: 'autoscale' });
    await drawnWhen(el, () => gd(el)._fullLayout.xaxis.range[1] >= last(), 'the whole window in view');
    expect(el.getAttribute('view')).to.equal('live');
    el.remove();
  });

  it('an autoscale in the same task as new points drawn in a microtask (before its event) returns to live', async () => {
    const { el, write } = await streaming();
    await boxZoom(el);
    // Frames that come as soon as the task that asked ends, as the page's frames do after an idle
    // one: the points are drawn ahead of the autoscale's own event (Plotly emits it a microtask
    // after its relayout), while the frame's relayout is under way.
    el.frameScheduler = {
      request: (callback) => (queueMicrotask(() => callback(performance.now())), 1),
      cancel: () => undefined,
    };
    const frames = el.stats.frames;
    const live = oneEvent(el, 'plotly-stream-view');
    write(10);
    (gd(el).querySelector('.modebar-btn[data-title="Autoscale"]') as HTMLElement).click();
    expect((await live).detail).to.deep.equal({ view: 'live', reason: 'autoscale' });
    expect(el.stats.frames).to.be.above(frames, 'the points were drawn before the event');
    el.remove();
  });

  it('a double-click on the plot (Plotly autoscales) returns to live', async () => {
    const { el } = await streaming();
    await boxZoom(el);
    expect(el.view).to.equal('held');
    const area = (gd(el).querySelector('.nsewdrag') as Element).getBoundingClientRect();
    const middle: [number, number] = [Math.round(area.left + area.width / 2), Math.round(area.top + area.height / 2)];
    const live = oneEvent(el, 'plotly-stream-view');
    await sendMouse({ type: 'click', position: middle });
    await sendMouse({ type: 'click', position: middle });
    expect((await live).detail).to.deep.equal({ view: 'live', reason: 'autoscale' });
    el.remove();
  });

  it('the badge offers a Live button, reachable by keyboard, that follows again (as follow() does)', async () => {
    const { el } = await streaming();
    await boxZoom(el);
    await el.updateComplete;
    const button = el.shadowRoot?.querySelector('[part="live-button"]') as HTMLButtonElement;
    expect(button).to.exist;
    button.focus();
    const live = oneEvent(el, 'plotly-stream-view');
    await sendKeys({ press: 'Enter' });
    expect((await live).detail).to.deep.equal({ view: 'live', reason: 'follow()' });
    await el.updateComplete;
    expect(el.shadowRoot?.querySelector('[part="live-button"]')).to.equal(null);
    await drawnWhen(el, () => gd(el).layout.xaxis.autorange === true, 'autorange again');
    el.remove();
  });

  it('a range from a streamed layout message or from the figure is not a hold', async () => {
    const { el } = await streaming();
    let events = 0;
    el.addEventListener('plotly-stream-view', () => events++);
    el.write('A', { layout: { xaxis: { range: [10, 20] } } });
    await drawnWhen(el, () => gd(el).layout.xaxis.range?.[0] === 10, 'the streamed range');
    el.figure = { data: [{ y: [], stream: { token: 'A' } }], layout: { xaxis: { range: [0, 5] } } };
    await drawnWhen(el, () => gd(el).layout.xaxis.range?.[1] === 5, "the figure's range");
    expect(el.view).to.equal('live');
    expect(events).to.equal(0);
    el.remove();
  });

  it('paused is reflected for CSS and the badge says paused', async () => {
    const el = await fixture<PlotlyStreamElement>(html`<plotly-stream></plotly-stream>`);
    el.pause();
    await el.updateComplete;
    expect(el.hasAttribute('paused')).to.equal(true);
    expect(el.shadowRoot?.querySelector('[part="badge"]')?.textContent?.trim()).to.equal('paused');
    el.resume();
    await el.updateComplete;
    expect(el.hasAttribute('paused')).to.equal(false);
    expect(el.shadowRoot?.querySelector('[part="badge"]')).to.equal(null, 'idle and not paused: no badge');
  });
});

describe('<plotly-stream> time windows and gaps', () => {
  it('stream.maxage keeps only the points stamped within it of the newest, drawn by Plotly too', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream
        .figure=${{ data: [{ x: [], y: [], stream: { token: 'A', maxage: 1000 } }] }}
      ></plotly-stream>`,
    );
    for (let i = 0; i < 20; i++) el.write('A', { x: i, y: i }, 50_000 + i * 100); // stamps 50000 .. 51900
    await drawnWhen(
      el,
      () => (el.graphDiv as unknown as { data?: Array<{ x: number[] }> }).data?.[0]?.x.at(-1) === 19,
      'drawn',
    );
    const drawnX = () => Array.from((el.graphDiv as unknown as { data?: Array<{ x: number[] }> }).data?.[0]?.x ?? []);
    expect(drawnX()).to.deep.equal([9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    el.write('A', { x: 20, y: 20 }, 52_500);
    await drawnWhen(el, () => drawnX().at(-1) === 20, 'the next point');
    expect(drawnX()).to.deep.equal([15, 16, 17, 18, 19, 20]);
    expect(el.getWindow(0)?.['x']).to.deep.equal([15, 16, 17, 18, 19, 20]);
  });

  it('stream.gap breaks the line where points are further apart; an invalid value is off, with an error naming the trace', async () => {
    const el = await fixture<PlotlyStreamElement>(html`<plotly-stream></plotly-stream>`);
    const error = oneEvent(el, 'plotly-stream-error');
    el.figure = {
      data: [
        { x: [], y: [], stream: { token: 'A', gap: 500 } },
        { y: [], stream: { token: 'B', gap: 'often' } },
      ],
    };
    expect((await error).detail.message).to.match(/^trace 1: stream.gap must be a positive number/);
    el.write('A', { x: 1, y: 1 }, 1000);
    el.write('A', { x: 2, y: 2 }, 1200);
    el.write('A', { x: 3, y: 3 }, 5000);
    const ys = () => Array.from((el.graphDiv as unknown as { data?: Array<{ y: unknown[] }> }).data?.[0]?.y ?? []);
    await drawnWhen(el, () => ys().at(-1) === 3, 'drawn');
    expect(ys()).to.deep.equal([1, 2, null, 3]);
  });
});

describe('<plotly-stream> in a hidden page', () => {
  it('draws nothing while the page is hidden, keeps windows bounded, and draws one frame on return', async () => {
    let visibility: DocumentVisibilityState = 'visible';
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
    try {
      const el = await fixture<PlotlyStreamElement>(
        html`<plotly-stream
          .figure=${{ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 500 } }] }}
        ></plotly-stream>`,
      );
      el.write('A', { x: 0, y: 0 });
      await drawnWhen(el, () => el.stats.drawnPoints === 1, 'drawn');
      visibility = 'hidden';
      document.dispatchEvent(new Event('visibilitychange'));
      const frames = el.stats.frames;
      for (let round = 1; round <= 10; round++) {
        for (let i = 0; i < 500; i++) el.write('A', { x: round * 500 + i, y: i });
        await new Promise((resolve) => requestAnimationFrame(resolve));
      }
      expect(el.stats.frames).to.equal(frames, 'nothing drawn while hidden');
      expect(el.getWindow(0)?.['x']).to.have.length(500, 'the window stays bounded');
      visibility = 'visible';
      document.dispatchEvent(new Event('visibilitychange'));
      await drawnWhen(el, () => el.stats.frames > frames, 'a frame on return');
      for (let i = 0; i < 5; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
      expect(el.stats.frames).to.equal(frames + 1, 'one frame, not a run of catch-up frames');
      const drawnX = Array.from((el.graphDiv as unknown as { data: Array<{ x: number[] }> }).data[0]?.x ?? []);
      expect(drawnX).to.deep.equal(el.getWindow(0)?.['x'], 'the current window');
      el.remove();
    } finally {
      delete (document as unknown as Record<string, unknown>)['visibilityState'];
    }
  });
});

describe('<plotly-stream> data out', () => {
  const parse = (csv: string) =>
    csv
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','));

  it('toCSV of a wrapped window equals the window (not the reduced drawing)', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream
        style="width:300px"
        .figure=${{ data: [{ x: [], y: [], stream: { token: 'A', maxpoints: 2000 } }], layout: { margin: { l: 0, r: 0 } } }}
      ></plotly-stream>`,
    );
    for (let i = 0; i < 5000; i++) el.write('A', { x: i, y: i % 17 });
    await drawnWhen(el, () => el.stats.drawnPoints > 0 && el.stats.drawnPoints < 2000, 'reduced');
    const rows = parse(el.toCSV(0));
    expect(rows[0]).to.deep.equal(['x', 'y']);
    const window = el.getWindow(0) as Record<string, number[]>;
    expect(rows.slice(1).map((r) => Number(r[0]))).to.deep.equal(window['x']);
    expect(rows.slice(1).map((r) => Number(r[1]))).to.deep.equal(window['y']);
    expect(rows.length - 1).to.equal(2000);
    expect(parse(el.toCSV())[0]).to.deep.equal(['trace', 'x', 'y']);
    expect(el.toCSV(9)).to.equal('\r\n', 'a trace that does not stream: no rows');
    el.remove();
  });

  it("the modebar's Download data button saves toCSV(); a figure's config can remove it", async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream
        .figure=${{
          data: [{ y: [], stream: { token: 'A' } }],
          config: { toImageButtonOptions: { filename: 'sensor' } },
        }}
      ></plotly-stream>`,
    );
    el.write('A', { y: 1 });
    el.write('A', { y: 2 });
    await drawnWhen(el, () => el.stats.drawnPoints === 2, 'drawn');
    const button = el.graphDiv?.querySelector('.modebar-btn[data-title="Download data (CSV)"]') as HTMLElement;
    expect(button, 'the button').to.exist;
    const saved: Array<{ href: string; download: string }> = [];
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      saved.push({ href: this.href, download: this.download });
    };
    try {
      button.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    } finally {
      HTMLAnchorElement.prototype.click = click;
    }
    expect(saved).to.have.length(1);
    expect(saved[0]?.download).to.equal('sensor.csv');
    expect(await (await fetch(saved[0]!.href)).text()).to.equal(el.toCSV());
    el.figure = { data: [{ y: [], stream: { token: 'A' } }], config: { modeBarButtonsToRemove: ['downloadData'] } };
    await drawnWhen(
      el,
      () => el.graphDiv?.querySelector('.modebar-btn[data-title="Download data (CSV)"]') === null,
      'removed',
    );
    el.remove();
  });
});
