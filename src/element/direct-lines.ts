/**
 * A stream frame's lines drawn as one path each instead of by Plotly's scatter plot. The range
 * path's relayout redraws every trace of the chart with Plotly's whole scatter pipeline (segments,
 * simplifying, the reversed path kept for fills, the joins of markers, texts and error bars): about
 * a fifth of a small chart's frame in the dashboard bench. A linear line without gaps is one path
 * through its points in pixels, so for the length of the relayout the graph's scatter module is
 * one whose plot sets that path's `d` in place, from the same computed points and axes Plotly's
 * hover, zoom and export read. Anything else (markers, fills, gaps, splines and steps, a trace not
 * drawn yet, points far off the plot) goes by Plotly's own plot, the whole subplot at once.
 */

interface PlotAxis {
  c2p(value: unknown): number;
  _length: number;
}

interface PlotInfo {
  xaxis: PlotAxis;
  yaxis: PlotAxis;
}

/** The parts of a d3 selection read here. */
interface Selection {
  node(): Element | null;
}

/** A trace's computed points; Plotly keeps the trace and its drawn group on the first. */
type CalcTrace = Array<{ x?: unknown; y?: unknown; trace?: LineTrace; node3?: Selection }>;

interface LineTrace {
  mode?: string;
  fill?: string;
  line?: { shape?: string };
  _module?: unknown;
}

/** An element with the datum d3 bound to it. */
type BoundNode = Element & { __data__?: unknown };

type PlotMethod = (this: unknown, ...args: unknown[]) => unknown;

interface TraceModule {
  name?: unknown;
  plot?: unknown;
}

/** Runs `draw` (a relayout of `gd`) with `gd`'s lines drawn as plain paths; Plotly's module is back after. */
export function withDirectLines<T>(gd: HTMLElement, draw: () => T): T {
  const graph = gd as unknown as {
    _fullLayout?: { _modules?: unknown; _visibleModules?: unknown };
    _fullData?: unknown;
  };
  const modules = graph._fullLayout?._modules;
  const visible = graph._fullLayout?._visibleModules;
  const fullData = graph._fullData;
  if (!Array.isArray(modules) || !Array.isArray(visible) || !Array.isArray(fullData)) return draw();
  const index = modules.findIndex((m: TraceModule | null) => m?.name === 'scatter' && typeof m.plot === 'function');
  if (index < 0) return draw();
  const scatter = modules[index] as TraceModule;
  const plot = scatter.plot as PlotMethod;
  // After plotting, Plotly restyles every scatter trace of the graph (the styles of its visible
  // modules): a path set in place keeps its style, so scatter is left out of them unless Plotly's
  // own plot draws a subplot.
  const styled = visible.indexOf(scatter);
  const styleWith = (module: TraceModule) => styled < 0 || (visible[styled] = module);
  // Plotly finds a trace's plot through its module: the graph's list and its traces get this one.
  const direct: TraceModule = Object.create(scatter);
  direct.plot = function (this: unknown, ...args: unknown[]) {
    const [, plotinfo, cds, layer, transition] = args as [unknown, PlotInfo, CalcTrace[], Selection, unknown];
    if (drawLines(plotinfo, cds, layer, transition)) return;
    styleWith(scatter);
    return plot.apply(this, args);
  };
  const traces = (fullData as LineTrace[]).filter((trace) => trace?._module === scatter);
  modules[index] = direct;
  styleWith({}); // (a module without a style: Plotly's restyling leaves scatter's traces be)
  for (const trace of traces) trace._module = direct;
  try {
    return draw();
  } finally {
    modules[index] = scatter;
    styleWith(scatter);
    for (const trace of traces) trace._module = scatter;
  }
}

/** Sets each trace's path when every trace of the subplot is a line drawn before; false (nothing set) if not. */
function drawLines(plotinfo: PlotInfo, cds: CalcTrace[], layer: Selection, transition?: unknown): boolean {
  const root = layer?.node?.();
  if (transition || !root || root.getElementsByClassName('trace').length !== cds.length) return false;
  const paths: Array<[BoundNode, BoundNode, string, CalcTrace]> = [];
  for (const cd of cds) {
    const trace = cd[0]?.trace;
    if (trace?.mode !== 'lines' || trace.fill !== 'none' || trace.line?.shape !== 'linear') return false;
    const group = cd[0]?.node3?.node?.();
    const lines = group?.parentNode === root ? group.getElementsByClassName('js-line') : [];
    if (lines.length !== 1) return false;
    const d = linePath(cd, plotinfo.xaxis, plotinfo.yaxis);
    if (d === null) return false;
    paths.push([group as BoundNode, lines[0] as BoundNode, d, cd]);
  }
  for (const [group, path, d, cd] of paths) {
    path.setAttribute('d', d);
    // What Plotly's join binds, read by its next full redraw and its styles.
    group.__data__ = path.__data__ = cd;
  }
  return true;
}

/**
 * A pixel to a hundredth (`Math.round(pixel * 100) / 100`), printed from whole numbers with two
 * decimals (`12.50`): printing the fraction itself was five times this, most of a path's cost.
 */
function hundredth(pixel: number): string {
  const hundredths = Math.round(pixel * 100);
  const whole = Math.abs(hundredths);
  const rest = whole % 100;
  return (hundredths < 0 ? '-' : '') + (whole - rest) / 100 + (rest < 10 ? '.0' : '.') + rest;
}

/** The path through a trace's points in pixels (to a hundredth), or null at a gap or a point far off the plot. */
function linePath(cd: CalcTrace, xa: PlotAxis, ya: PlotAxis): string | null {
  // Within the plot's own size of the plot (not NaN, at a gap): points further off go by Plotly's
  // plot, which clips them.
  const near = (pixel: number, axis: PlotAxis) => pixel >= -axis._length && pixel <= 2 * axis._length;
  let d = '';
  for (const point of cd) {
    const x = xa.c2p(point.x);
    const y = ya.c2p(point.y);
    if (!(near(x, xa) && near(y, ya))) return null;
    d += (d ? 'L' : 'M') + hundredth(x) + ',' + hundredth(y);
  }
  return d || null;
}
