/**
 * `streamDraw`: a frame of appended points drawn by Plotly's range path draws exactly what
 * `extendTraces` draws (the data, both axes' ranges and ticks, the line), frame after frame, on
 * two real Plotly charts side by side; a trace it cannot draw so is left untouched for `extendTraces`.
 */
import { expect } from '@open-wc/testing';
import BundledPlotly from 'plotly.js-basic-dist';
import type { ExtendPlan } from '../../src/element/frame-plan.js';
import type { PlotlyApi } from '../../src/element/plotly-api.js';
import { isStreamFrame, streamDraw } from '../../src/element/stream-draw.js';

type Graph = HTMLDivElement & {
  data: Array<Record<string, unknown>>;
  _fullLayout: Record<string, { range: unknown[] }>;
  _fullData: Array<Record<string, unknown>>;
  on(event: string, listener: (update: unknown) => void): void;
};
const Plotly = BundledPlotly as unknown as PlotlyApi & {
  newPlot(gd: HTMLElement, data: unknown[], layout?: unknown): Promise<unknown>;
  version: string;
};

const graphs: HTMLElement[] = [];
async function plot(data: unknown[], layout: Record<string, unknown> = {}): Promise<Graph> {
  const gd = document.createElement('div');
  gd.style.cssText = 'width: 400px; height: 260px';
  document.body.append(gd);
  graphs.push(gd);
  await Plotly.newPlot(gd, structuredClone(data), { margin: { l: 40, r: 10, t: 10, b: 30 }, ...layout });
  return gd as Graph;
}

/** What a person sees of a chart: its data, its axes' ranges, tick labels and grid lines, its lines. */
function drawn(gd: Graph) {
  const axes = Object.keys(gd._fullLayout).filter((key) => /^[xy]axis\d*$/.test(key));
  return {
    data: gd.data.map((trace) => ({
      x: Array.from((trace['x'] as ArrayLike<unknown>) ?? []),
      y: Array.from(trace['y'] as ArrayLike<unknown>),
    })),
    // What hover and Plotly's next full redraw read of each trace.
    full: gd._fullData.map((trace) => ({
      length: trace['_length'],
      x: Array.from((trace['x'] as ArrayLike<unknown>) ?? []),
      y: Array.from(trace['y'] as ArrayLike<unknown>),
    })),
    ranges: Object.fromEntries(axes.map((axis) => [axis, gd._fullLayout[axis]!.range])),
    // What Plotly's scatter style sets: each trace's opacity, each line's stroke.
    styles: [...gd.querySelectorAll('.scatterlayer .trace')].map((trace) => [
      trace.getAttribute('style'),
      ...[...trace.querySelectorAll('.js-line')].map((line) => line.getAttribute('style')),
    ]),
    // Each label with where it is (a redraw by range adds new ticks after the ones it keeps).
    ticks: [...gd.querySelectorAll('.xtick text, .ytick text')]
      .map(
        (t) => `${t.textContent} at ${t.getAttribute('transform') ?? ''} ${t.getAttribute('x')},${t.getAttribute('y')}`,
      )
      .sort(),
    // Each grid line, tick mark and zero line, where it is.
    lines: [...gd.querySelectorAll('.xgrid, .ygrid, path.xtick, path.ytick, .xzl, .yzl')]
      .map((line) => `${line.getAttribute('class')} ${line.getAttribute('transform')} ${line.getAttribute('d')}`)
      .sort(),
  };
}

/** Each line path's points, `[x, y]` in pixels; a path of curves (a spline's) as it is. */
function lines(gd: Graph): Array<Array<[number, number]> | string> {
  return [...gd.querySelectorAll('.scatterlayer .js-line')].map((path) => {
    const d = path.getAttribute('d') ?? '';
    if (!/^M[-\d.,eL]+$/.test(d)) return d;
    return d
      .slice(1)
      .split('L')
      .map((point) => point.split(',').map(Number) as [number, number]);
  });
}

/** How far `p` is from the segment `a`-`b`, in pixels. */
function distance([px, py]: [number, number], [ax, ay]: [number, number], [bx, by]: [number, number]): number {
  const [dx, dy] = [bx - ax, by - ay];
  const t =
    dx === 0 && dy === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/**
 * The same lines: Plotly's points are among `ours`, in order (ours are to a hundredth of a pixel),
 * and none of ours strays from Plotly's line by more than its simplifying does (3/4 px a 2 px line).
 */
function expectSameLines(ours: ReturnType<typeof lines>, plotly: ReturnType<typeof lines>, what: string) {
  expect(ours.length, `${what}: paths`).to.equal(plotly.length);
  for (const [n, line] of plotly.entries()) {
    const mine = ours[n]!;
    if (typeof line === 'string' || typeof mine === 'string') {
      expect(mine, `${what}: path ${n}`).to.equal(line);
      continue;
    }
    let at = 0;
    for (const [x, y] of line) {
      while (at < mine.length && !(Math.abs(mine[at]![0] - x) < 0.006 && Math.abs(mine[at]![1] - y) < 0.006)) at++;
      expect(at, `${what}: Plotly's point ${x},${y} is drawn`).to.be.below(mine.length);
    }
    for (const point of mine) {
      const nearest = Math.min(
        ...line.slice(1).map((b, i) => distance(point, line[i]!, b)),
        distance(point, line[0]!, line[0]!),
      );
      expect(nearest, `${what}: ${point} on Plotly's line`).to.be.below(0.76);
    }
  }
}

/** An extend plan of these points for each trace (keys by trace), windows of `max`. */
function plan(points: Array<Record<string, unknown[]>>, max: number, indices = points.map((_, i) => i)): ExtendPlan {
  const keys = Object.keys(points[0]!);
  return {
    kind: 'extend',
    update: Object.fromEntries(keys.map((key) => [key, points.map((p) => p[key]!)])),
    indices,
    maxPoints: Object.fromEntries(keys.map((key) => [key, points.map(() => max)])),
  };
}

/** Draws the same frames on two charts, one by `streamDraw`, one by `extendTraces`, and compares them after each. */
async function sideBySide(
  data: unknown[],
  layout: Record<string, unknown>,
  frames: Array<Array<Record<string, unknown[]>>>,
  max: number,
) {
  const fast = await plot(data, layout);
  const full = await plot(data, layout);
  // The axes each frame's relayout names, the subplots Plotly's own scatter plot drew in it, and
  // how often Plotly's scatter style ran.
  const relayouts: string[][] = [];
  const movedX: boolean[] = [];
  const plotlyPlots: number[] = [];
  const plotlyStyles: number[] = [];
  type Method = (this: unknown, ...args: unknown[]) => unknown;
  const scatter = (
    fast._fullLayout as unknown as { _modules: Array<{ name: string; plot: Method; style: Method }> }
  )._modules.find((m) => m.name === 'scatter')!;
  const api = {
    ...Plotly,
    relayout: (gd: HTMLElement, update: Record<string, unknown>) => {
      relayouts.push(Object.keys(update));
      return Plotly.relayout(gd, update);
    },
  } as PlotlyApi;
  for (const [n, points] of frames.entries()) {
    const framePlan = plan(points, max);
    const { plot: plotlyPlot, style: plotlyStyle } = scatter;
    let calls = 0;
    let styles = 0;
    const counted = (method: Method, count: () => void): Method =>
      function (this: unknown, ...args: unknown[]) {
        count();
        return method.apply(this, args);
      };
    scatter.plot = counted(plotlyPlot, () => calls++);
    scatter.style = counted(plotlyStyle, () => styles++);
    // Plotly's drawing of an axis starts with a new `_tickAngles`: the same one after the frame means
    // the x axis was moved, not drawn.
    const angles = xAxis(fast)._tickAngles;
    try {
      const drawing = streamDraw(api, fast, framePlan);
      expect(drawing, `frame ${n} is drawn by the range path`).to.not.equal(null);
      await drawing;
    } finally {
      Object.assign(scatter, { plot: plotlyPlot, style: plotlyStyle });
    }
    movedX.push(xAxis(fast)._tickAngles === angles);
    plotlyPlots.push(calls);
    plotlyStyles.push(styles);
    await Plotly.extendTraces(full, framePlan.update, framePlan.indices, framePlan.maxPoints);
    expect(drawn(fast), `frame ${n}`).to.deep.equal(drawn(full));
    expectSameLines(lines(fast), lines(full), `frame ${n}`);
  }
  // Plotly's own next redraw of the chart takes up the paths set in place: it draws what it would have.
  await Plotly.relayout(fast, { 'xaxis.autorange': true });
  expect(lines(fast)).to.deep.equal(lines(full));
  // One relayout a frame, whether its x axes were moved or drawn.
  expect(relayouts.length).to.equal(frames.length);
  return { relayouts, movedX, plotlyPlots, plotlyStyles, fast, full };
}

const xAxis = (gd: Graph) => gd._fullLayout['xaxis'] as unknown as { _tickAngles: object; _selections: object };

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const wave = (xs: number[]) => xs.map((x) => Math.round(100 * Math.sin(x / 7) * (1 + x / 50)) / 10);

describe('streamDraw', () => {
  afterEach(() => {
    for (const gd of graphs.splice(0)) gd.remove();
  });

  it('draws a sliding line exactly as extendTraces does, frame after frame', async () => {
    const xs = range(0, 40);
    const frames = Array.from({ length: 12 }, (_, f) => {
      const more = range(40 + f * 7, 7);
      return [{ x: more, y: wave(more) }];
    });
    // Each frame's line is a path set in place: Plotly's scatter plot never runs, nor its restyling
    // (the line's style, compared after each frame, is as extendTraces leaves it).
    const { plotlyPlots, plotlyStyles, fast, full } = await sideBySide(
      [{ x: xs, y: wave(xs), mode: 'lines' }],
      { hovermode: 'x' },
      frames,
      50,
    );
    expect(plotlyPlots).to.deep.equal(Array(12).fill(0));
    expect(plotlyStyles).to.deep.equal(Array(12).fill(0));
    // Hover reads the points the frames computed: the same point as on the chart drawn by extendTraces.
    const hovered = (gd: Graph) => {
      (Plotly as unknown as { Fx: { hover(gd: HTMLElement, event: unknown): void } }).Fx.hover(gd, { xval: 101 });
      return (gd as unknown as { _hoverdata: Array<Record<string, unknown>> })._hoverdata.map((p) => [p['x'], p['y']]);
    };
    expect(hovered(fast)).to.deep.equal(hovered(full));
    expect(hovered(fast)).to.deep.equal([[101, wave([101])[0]]]);
  });

  it("moves the x axis's grid lines, ticks and labels where Plotly draws them; Plotly draws it when its ticks change", async () => {
    // From 1: a range from 0 may show the zero line, which Plotly draws (next test).
    const xs = range(1, 40);
    const frames = Array.from({ length: 16 }, (_, f) => {
      const more = range(41 + f * 3, 3);
      return [{ x: more, y: wave(more) }];
    });
    // Grid lines, ticks and labels are compared with extendTraces' after every frame (sideBySide).
    const { movedX, fast } = await sideBySide([{ x: xs, y: wave(xs), mode: 'lines' }], {}, frames, 40);
    expect(movedX.filter(Boolean).length, 'frames whose x axis moved').to.be.greaterThan(4);
    expect(movedX.filter((moved) => !moved).length, 'frames whose ticks changed').to.be.greaterThan(0);
    // What Plotly keeps of its last drawing of the axis (its labels' selection, read by other axes'
    // autorange) is as it left it, not the empty one of its drawing that found the axis hidden.
    expect(Object.keys(xAxis(fast)._selections)).to.include('xtick');
    expect((fast._fullLayout['xaxis'] as unknown as { visible: boolean }).visible).to.equal(true);
  });

  it('leaves to Plotly an x axis drawn another way: a zero line in range, labels shifted, a hidden axis', async () => {
    const xs = range(-30, 30);
    const frames = Array.from({ length: 6 }, (_, f) => {
      const more = range(f * 3, 3);
      return [{ x: more, y: wave(more) }];
    });
    const data = [{ x: xs, y: wave(xs), mode: 'lines' }];
    // x runs through 0 with its zero line: Plotly draws it.
    const zero = await sideBySide(data, { xaxis: { zeroline: true } }, frames, 30);
    expect(zero.movedX).to.deep.equal(Array(6).fill(false));
    // Labels shifted along the axis: not where the rule puts them, so Plotly draws them.
    const shifted = await sideBySide(data, { xaxis: { zeroline: false, ticklabelshift: 6 } }, frames, 30);
    expect(shifted.movedX).to.deep.equal(Array(6).fill(false));
    const hidden = await sideBySide(data, { xaxis: { visible: false } }, frames, 30);
    expect((hidden.fast._fullLayout['xaxis'] as unknown as { visible: boolean }).visible).to.equal(false);
  });

  it("leaves a subplot to Plotly's scatter plot when one of its traces is not a plain line", async () => {
    const xs = range(0, 30);
    const data = [
      { x: xs, y: wave(xs), mode: 'lines' },
      { x: [3, 9, 20], y: [1, -2, 4], mode: 'markers' },
    ];
    const frames = Array.from({ length: 4 }, (_, f) => [{ x: range(30 + f * 5, 5), y: wave(range(30 + f * 5, 5)) }]);
    // Plotly's plot drew the markers' subplot: every trace is restyled, as after extendTraces.
    const { plotlyPlots, plotlyStyles } = await sideBySide(data, {}, frames, 35);
    expect(plotlyPlots).to.deep.equal(Array(4).fill(1));
    expect(plotlyStyles).to.deep.equal(Array(4).fill(1));
  });

  it("leaves to Plotly's scatter plot a line far off its plot, which Plotly clips", async () => {
    const xs = range(0, 30);
    const data = [
      { x: xs, y: wave(xs), mode: 'lines' },
      // On a fixed y axis of its own, far above its range: Plotly's plot clips it.
      { x: xs, y: xs.map((x) => 1000 + x), mode: 'lines', yaxis: 'y2' },
    ];
    const layout = { yaxis2: { overlaying: 'y', side: 'right', range: [0, 1] } };
    const frames = Array.from({ length: 3 }, (_, f) => [{ x: range(30 + f * 5, 5), y: wave(range(30 + f * 5, 5)) }]);
    const { plotlyPlots, plotlyStyles } = await sideBySide(data, layout, frames, 35);
    // Two subplots a frame: the first's line set in place, the second's by Plotly, then both restyled.
    expect(plotlyPlots).to.deep.equal(Array(3).fill(1));
    expect(plotlyStyles).to.deep.equal(Array(3).fill(1));
  });

  it('redraws only the axes whose extent moved (the data always)', async () => {
    const xs = range(0, 40);
    const between = (from: number, count: number) => range(from, count).map((i) => (i % 2 === 0 ? -1 : 1));
    // x slides, y keeps to -1 and 1: the x axis alone.
    const sliding = Array.from({ length: 4 }, (_, f) => [{ x: range(40 + f * 4, 4), y: between(f * 4, 4) }]);
    expect((await sideBySide([{ x: xs, y: between(0, 40), mode: 'lines' }], {}, sliding, 40)).relayouts).to.deep.equal(
      Array(4).fill(['xaxis.autorange']),
    );
    // y alone, its window full: no extent moves, and the data is still redrawn (by the x axis).
    const still = Array.from({ length: 3 }, (_, f) => [{ y: between(f * 4, 4).map((v) => v / 2) }]);
    expect((await sideBySide([{ y: between(0, 40), mode: 'lines' }], {}, still, 40)).relayouts).to.deep.equal(
      Array(3).fill(['xaxis.autorange']),
    );
    // y leaves its extent: both.
    expect(
      (await sideBySide([{ x: xs, y: between(0, 40), mode: 'lines' }], {}, [[{ x: [40], y: [5] }]], 40)).relayouts,
    ).to.deep.equal([['xaxis.autorange', 'yaxis.autorange']]);
  });

  it('does the same for a trace of y alone (x0 and dx), without a mode, on two subplots', async () => {
    const data = [
      { y: wave(range(0, 30)), line: { shape: 'spline' } },
      { y: wave(range(5, 30)), x0: 10, dx: 2, xaxis: 'x2', yaxis: 'y2', mode: 'lines' },
    ];
    const layout = { grid: { rows: 2, columns: 1, pattern: 'independent' } };
    const frames = Array.from({ length: 8 }, (_, f) => [
      { y: wave(range(30 + f * 3, 3)) },
      { y: wave(range(90 + f * 5, 5)).map((v) => v * 40) },
    ]);
    // The spline's subplot goes by Plotly's scatter plot, the line's is set in place.
    expect((await sideBySide(data, layout, frames, 40)).plotlyPlots).to.deep.equal(Array(8).fill(1));
  });

  it('does the same for dates, typed arrays and gaps', async () => {
    const start = Date.UTC(2026, 11, 7);
    const dates = (from: number, count: number) =>
      range(from, count).map((i) => new Date(start + i * 1000).toISOString());
    const dated = (gaps: boolean) =>
      sideBySide(
        [{ x: dates(0, 30), y: wave(range(0, 30)), mode: 'lines', connectgaps: false }],
        {},
        Array.from({ length: 6 }, (_, f) => [
          { x: dates(30 + f * 4, 4), y: gaps ? [1, null, Number.NaN, 3 + f] : wave(range(30 + f * 4, 4)) },
        ]),
        45,
      );
    // A gap splits a line into paths: Plotly's scatter plot draws it.
    expect((await dated(true)).plotlyPlots).to.deep.equal(Array(6).fill(1));
    expect((await dated(false)).plotlyPlots).to.deep.equal(Array(6).fill(0));
    const xs = range(0, 25);
    await sideBySide(
      [{ x: Float64Array.from(xs), y: Float64Array.from(wave(xs)), mode: 'lines' }],
      {},
      Array.from({ length: 6 }, (_, f) => {
        const more = range(25 + f * 9, 9);
        return [
          {
            x: Float64Array.from(more) as unknown as unknown[],
            y: Float64Array.from(wave(more)) as unknown as unknown[],
          },
        ];
      }),
      30,
    ).then(({ plotlyPlots }) => expect(plotlyPlots).to.deep.equal(Array(6).fill(0)));
  });

  it('leaves alone what it cannot draw exactly: markers, fills, per-point styles, fixed, log or held axes, labels inside, an unknown Plotly', async () => {
    const line = { x: range(0, 30), y: wave(range(0, 30)), mode: 'lines' };
    const cases: Array<[string, unknown[], Record<string, unknown>, PlotlyApi?]> = [
      ['markers', [{ ...line, mode: 'lines+markers' }], {}],
      ['a fill', [{ ...line, fill: 'tozeroy' }], {}],
      ['per-point colors', [{ ...line, mode: 'lines', line: { color: 'red' }, text: range(0, 30).map(String) }], {}],
      ['a fixed range', [line], { yaxis: { range: [-5, 5] } }],
      ['a log axis', [line], { yaxis: { type: 'log' } }],
      // The other axis's autorange pads for labels inside (Plotly measures them in its redraw).
      ['tick labels inside', [line], { xaxis: { ticklabelposition: 'inside' } }],
      ['y tick labels inside', [line], { yaxis: { ticklabelposition: 'inside' } }],
      ['a few points, no mode', [{ x: [1, 2], y: [3, 4] }], {}],
      ['a Plotly of another major', [line], {}, { ...Plotly, version: '1.58.5' } as PlotlyApi],
      ['a Plotly without a version', [line], {}, { ...Plotly, version: undefined } as PlotlyApi],
    ];
    for (const [name, data, layout, api] of cases) {
      const gd = await plot(data, layout);
      const before = drawn(gd);
      expect(streamDraw(api ?? Plotly, gd, plan([{ x: [100], y: [1] }], 40)), name).to.equal(null);
      expect(drawn(gd), name).to.deep.equal(before);
    }
    // Held: a person zoomed, so the axis is no longer autoranged.
    const held = await plot([line]);
    await Plotly.relayout(held, { 'xaxis.range': [5, 10] });
    expect(streamDraw(Plotly, held, plan([{ x: [100], y: [1] }], 40))).to.equal(null);
    // One trace it cannot draw keeps the whole frame from the range path: nothing is changed.
    const mixed = await plot([line, { ...line, mode: 'markers' }]);
    const before = drawn(mixed);
    expect(
      streamDraw(
        Plotly,
        mixed,
        plan(
          [
            { x: [100], y: [1] },
            { x: [100], y: [2] },
          ],
          40,
        ),
      ),
    ).to.equal(null);
    expect(drawn(mixed)).to.deep.equal(before);
  });

  it("marks its relayout as a stream frame's until it is drawn", async () => {
    const gd = await plot([{ x: range(0, 30), y: wave(range(0, 30)), mode: 'lines' }]);
    const seen: boolean[] = [];
    gd.on('plotly_relayout', () => seen.push(isStreamFrame(gd)));
    await streamDraw(Plotly, gd, plan([{ x: [30], y: [1] }], 40));
    await Plotly.relayout(gd, { 'xaxis.range': [0, 10] });
    expect(seen).to.deep.equal([true, false]);
    expect(isStreamFrame(gd)).to.equal(false);
  });

  it("does not ask the browser the chart's size in a frame (a forced layout a chart); the chart still resizes", async () => {
    const gd = await plot([{ x: range(0, 30), y: wave(range(0, 30)), mode: 'lines' }]);
    const { resize } = (Plotly as unknown as { Plots: { resize(gd: HTMLElement): Promise<unknown> } }).Plots;
    // The element's ResizeObserver resizes its chart when it is first laid out: Plotly's resize sets autosize.
    await resize(gd);
    const layout = (gd as unknown as { layout: { autosize?: boolean } }).layout;
    expect(layout.autosize).to.equal(true);
    const asked: Element[] = [];
    const computed = window.getComputedStyle;
    window.getComputedStyle = (element, pseudo) => {
      asked.push(element);
      return computed.call(window, element, pseudo);
    };
    try {
      for (let f = 0; f < 3; f++) await streamDraw(Plotly, gd, plan([{ x: [30 + f], y: [f] }], 40));
      expect(asked.includes(gd), 'the graph measured in a frame').to.equal(false);
      // Plotly's own relayout (a zoom) measures it: the spy sees what a frame would have done.
      await Plotly.relayout(gd, { 'xaxis.range': [0, 10] });
      expect(asked.includes(gd), "Plotly's relayout measures the graph").to.equal(true);
    } finally {
      window.getComputedStyle = computed;
    }
    expect(layout.autosize, 'autosize as it was').to.equal(true);
    gd.style.width = '300px';
    await resize(gd);
    expect((gd._fullLayout as unknown as { width: number }).width).to.equal(300);
  });
});
