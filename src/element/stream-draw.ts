/**
 * A frame of appended points drawn the way Plotly draws a zoom, not a full redraw. Plotly's
 * `extendTraces` redraws the whole plot (defaults, calc, margins, both axes, the drag layer): about
 * 9 ms a 1 x 500 chart here. For a plain line on autoranged linear or date axes, this brings the
 * trace's data, its computed points (`calcdata`) and its extent (`_extremes`, what autorange reads)
 * up to date exactly as Plotly's calc would, then one `relayout` of its axes' autorange redraws the
 * axes and the data (Plotly's own range path, its lines drawn as plain paths: direct-lines.ts, its
 * x axes moved where their ticks stay: moved-axes.ts): about a quarter of the cost. Anything else
 * (markers, fills, per-point styles, a held or fixed range, log or category axes, tick labels
 * inside, another Plotly than 2 to 4) is not taken, and the frame goes by `extendTraces`.
 */
import type { ExtendPlan } from './frame-plan.js';
import { withDirectLines } from './direct-lines.js';
import { withMovedAxes } from './moved-axes.js';
import { autorangeUpdate, axisKey } from './plot-geometry.js';
import type { PlotlyApi } from './plotly-api.js';

/** The internals of a Plotly graph div this reads (each checked before use). */
interface Axis {
  _id: string;
  type: string;
  autorange: unknown;
  rangebreaks?: unknown[];
  rangeslider?: { visible?: boolean };
  ticklabelposition?: string;
  d2c(value: unknown, _unused: 0, calendar?: unknown): number | undefined;
}

interface ExtremeItem {
  val: number;
  pad: number;
  extrapad: boolean;
}

interface Extremes {
  min: ExtremeItem[];
  max: ExtremeItem[];
  opts: unknown;
}

interface FullTrace {
  type?: string;
  visible?: unknown;
  mode?: string;
  fill?: string;
  stackgroup?: string;
  xperiodalignment?: unknown;
  yperiodalignment?: unknown;
  error_x?: { visible?: boolean };
  error_y?: { visible?: boolean };
  xaxis?: string;
  yaxis?: string;
  x0?: unknown;
  dx?: unknown;
  xcalendar?: unknown;
  ycalendar?: unknown;
  _arrayAttrs?: string[];
  _extremes?: Record<string, Extremes>;
}

type Point = Record<string, unknown>;

interface Graph {
  data?: Array<Record<string, unknown>>;
  layout?: { autosize?: unknown };
  _fullData?: FullTrace[];
  _fullLayout?: Record<string, unknown>;
  calcdata?: Point[][];
}

/** The graph divs whose `plotly_relayout` comes from a stream frame, not a person (until it is drawn). */
const drawing = new WeakSet<HTMLElement>();

/** True while `gd`'s relayout is a stream frame's: its event is not a person's zoom. */
export function isStreamFrame(gd: HTMLElement): boolean {
  return drawing.has(gd);
}

/** Points up to which Plotly draws a trace without a mode as lines and markers (`PTS_LINESONLY`). */
const PLOTLY_LINES_ONLY_PAST = 20;

/** Plotly's own bound on the values its autorange takes (`FP_SAFE`). */
const FP_SAFE = Number.MAX_VALUE * 1e-4;

/** What one trace becomes: its arrays, its points and its extent on each axis. */
interface TraceFrame {
  index: number;
  arrays: Array<[key: string, values: ArrayLike<unknown>]>;
  points: Point[];
  /** Each of its axes: its name in the layout, its id, the trace's extent on it and whether that moved. */
  axes: Array<{ name: string; id: string; extremes: Extremes; moved: boolean }>;
}

/**
 * Draws an extend plan by Plotly's range path; null (nothing touched) when a trace or Plotly is
 * not one this can draw exactly, and the caller makes the `extendTraces` call.
 */
export function streamDraw(plotly: PlotlyApi, gd: HTMLElement, plan: ExtendPlan): Promise<unknown> | null {
  const graph = gd as unknown as Graph;
  if (!supportedPlotly(plotly)) return null;
  const keys = Object.keys(plan.update);
  if (keys.some((key) => key !== 'x' && key !== 'y') || !keys.includes('y')) return null;
  const frames: TraceFrame[] = [];
  for (let n = 0; n < plan.indices.length; n++) {
    const frame = traceFrame(graph, plan, n);
    if (frame === null) return null;
    frames.push(frame);
  }
  // Every trace can be drawn so: only now is anything changed.
  for (const frame of frames) {
    const input = graph.data?.[frame.index] as Record<string, unknown>;
    for (const [key, values] of frame.arrays) input[key] = values;
    const fullTrace = graph._fullData?.[frame.index] as FullTrace & Record<string, unknown>;
    // Plotly's range path skips its defaults: the full trace gets what they would give it.
    for (const [key, values] of frame.arrays) fullTrace[key] = values;
    fullTrace['_length'] = frame.points.length;
    for (const axis of frame.axes) (fullTrace._extremes as Record<string, Extremes>)[axis.id] = axis.extremes;
    (graph.calcdata as Point[][])[frame.index] = frame.points;
  }
  // Only an axis a trace's extent moved on can change its range (the others' traces, and its length,
  // are as they were): only those are redrawn. The data is redrawn whatever the axes, so a frame
  // that moved none names the first trace's x axis.
  const axes = new Set(frames.flatMap((frame) => frame.axes.filter((axis) => axis.moved).map((axis) => axis.name)));
  if (axes.size === 0) axes.add((frames[0] as TraceFrame).axes[0]?.name as string);
  const update = autorangeUpdate(axes);
  drawing.add(gd);
  const done = (): void => void drawing.delete(gd);
  // With `layout.autosize` (set by Plotly's resize, which the element's ResizeObserver calls) every
  // relayout reads the graph's computed size, which makes the browser recompute the page's styles
  // and layout there and then: once for every chart drawn in a frame instead of once a frame (a
  // third of a small chart's frame on a page of fifty). A stream frame leaves the chart's size as
  // it was, so its relayout goes without.
  const layout = graph.layout ?? {};
  const autosize = layout.autosize === true;
  if (autosize) layout.autosize = false;
  try {
    const result = Promise.resolve(
      withDirectLines(gd, () => withMovedAxes(gd, axes, () => plotly.relayout(gd, update))),
    );
    result.then(done, done);
    return result;
  } catch (error) {
    done();
    throw error;
  } finally {
    if (autosize) layout.autosize = true;
  }
}

/** Plotly 2 to 4 keep the internals read here as read (plotly.js-basic-dist 4.1 is Plotly 4.1). */
function supportedPlotly(plotly: PlotlyApi): boolean {
  const version = (plotly as { version?: unknown }).version;
  return typeof version === 'string' && /^[234]\./.test(version);
}

/** One trace's frame, or null when it is not a plain line on autoranged linear or date axes. */
function traceFrame(graph: Graph, plan: ExtendPlan, n: number): TraceFrame | null {
  const index = plan.indices[n] as number;
  const input = graph.data?.[index];
  const fullTrace = graph._fullData?.[index];
  const layout = graph._fullLayout;
  const old = graph.calcdata?.[index];
  const first = old?.[0];
  if (input === undefined || fullTrace === undefined || layout === undefined || first === undefined) return null;
  if (first['trace'] !== fullTrace || !plainLine(fullTrace)) return null;
  const xName = axisKey('x', fullTrace.xaxis);
  const yName = axisKey('y', fullTrace.yaxis);
  const xa = layout[xName] as Axis | undefined;
  const ya = layout[yName] as Axis | undefined;
  if (!autoranged(xa) || !autoranged(ya)) return null;
  const oldX = fullTrace._extremes?.[xa._id];
  const oldY = fullTrace._extremes?.[ya._id];
  if (!oneEach(oldX) || !oneEach(oldY)) return null;

  const arrays: TraceFrame['arrays'] = [];
  for (const key of Object.keys(plan.update)) {
    const target = input[key];
    const points = plan.update[key]?.[n];
    const max = plan.maxPoints[key]?.[n];
    if (!isArrayLike(target) || points === undefined || max === undefined) return null;
    arrays.push([key, appended(target, points, max)]);
  }
  const y = arrays.find(([key]) => key === 'y')?.[1] as ArrayLike<unknown>;
  // A trace without a mode is drawn with markers up to 20 points (Plotly's default): only past them is it a line.
  if (input['mode'] === undefined && y.length <= PLOTLY_LINES_ONLY_PAST) return null;
  let xs = arrays.find(([key]) => key === 'x')?.[1];
  if (xs === undefined) {
    // No x appended: a trace of y alone (x0 + i * dx); an x kept while y grows would not line up.
    if (isArrayLike(input['x']) || xa.type !== 'linear' || typeof fullTrace.x0 !== 'number') return null;
    const x0 = fullTrace.x0;
    const dx = typeof fullTrace.dx === 'number' ? fullTrace.dx : 1;
    xs = Array.from({ length: y.length }, (_, i) => x0 + i * dx);
  }
  const cx = calcValues(xa, xs, fullTrace.xcalendar);
  const cy = calcValues(ya, y, fullTrace.ycalendar);
  const length = Math.min(cx.length, cy.length);
  const points: Point[] = new Array<Point>(length);
  for (let i = 0; i < length; i++) {
    const px = cx[i] as number | undefined;
    const py = cy[i] as number | undefined;
    points[i] = isNumeric(px) && isNumeric(py) ? { x: px, y: py } : { x: undefined, y: undefined };
  }
  const head = points[0];
  if (head === undefined) return null;
  // Plotly's trace-wide stash rides on the first point, and the trace's drawn group.
  head['t'] = first['t'] ?? {};
  head['trace'] = fullTrace;
  if (first['node3'] !== undefined) head['node3'] = first['node3'];
  const xExtremes = extent(oldX, cx, length);
  const yExtremes = extent(oldY, cy, length);
  if (xExtremes === null || yExtremes === null) return null;
  return {
    index,
    arrays,
    points,
    axes: [
      { name: xName, id: xa._id, extremes: xExtremes, moved: moved(oldX, xExtremes) },
      { name: yName, id: ya._id, extremes: yExtremes, moved: moved(oldY, yExtremes) },
    ],
  };
}

/** A scatter trace drawn as a line only: its extent has no marker or fill padding, its points no per-point style. */
function plainLine(trace: FullTrace): boolean {
  return (
    trace.type === 'scatter' &&
    trace.visible === true &&
    trace.mode === 'lines' &&
    (trace.fill === undefined || trace.fill === 'none') &&
    !trace.stackgroup &&
    !trace.xperiodalignment &&
    !trace.yperiodalignment &&
    trace.error_x?.visible !== true &&
    trace.error_y?.visible !== true &&
    Array.isArray(trace._arrayAttrs) &&
    trace._arrayAttrs.every((key) => key === 'x' || key === 'y')
  );
}

function autoranged(axis: Axis | undefined): axis is Axis {
  return (
    axis !== undefined &&
    axis.autorange === true &&
    (axis.type === 'linear' || axis.type === 'date') &&
    typeof axis.d2c === 'function' &&
    !(Array.isArray(axis.rangebreaks) && axis.rangebreaks.length > 0) &&
    axis.rangeslider?.visible !== true &&
    // Labels inside pad the other axis's autorange by their size, measured in Plotly's own redraw.
    !axis.ticklabelposition?.includes('inside')
  );
}

/** Plotly's extent of a line: one lowest and one highest item (no padding that varies by point). */
function oneEach(extremes: Extremes | undefined): extremes is Extremes {
  return extremes !== undefined && extremes.min.length === 1 && extremes.max.length === 1;
}

/** The extent anew, its padding as Plotly computed it last; null when no value is a number. */
function extent(old: Extremes, values: ArrayLike<unknown>, length: number): Extremes | null {
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (!isNumeric(v)) continue;
    if (v < low && v > -FP_SAFE) low = v;
    if (v > high && v < FP_SAFE) high = v;
  }
  if (low === Infinity || high === -Infinity) return null;
  return {
    min: [{ ...(old.min[0] as ExtremeItem), val: low }],
    max: [{ ...(old.max[0] as ExtremeItem), val: high }],
    opts: old.opts,
  };
}

function moved(before: Extremes, after: Extremes): boolean {
  return before.min[0]?.val !== after.min[0]?.val || before.max[0]?.val !== after.max[0]?.val;
}

/** An axis's values as Plotly's calc makes them (`makeCalcdata`): typed arrays on a linear axis as they are. */
function calcValues(axis: Axis, values: ArrayLike<unknown>, calendar: unknown): ArrayLike<unknown> {
  if (ArrayBuffer.isView(values) && axis.type === 'linear') return values;
  const out = new Array<unknown>(values.length);
  const cal = axis.type === 'date' ? calendar : undefined;
  for (let i = 0; i < values.length; i++) out[i] = axis.d2c(values[i], 0, cal);
  return out;
}

function isNumeric(value: unknown): value is number {
  return Number.isFinite(value);
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/** `target` with `points` appended, its last `max` kept, of `target`'s kind (as extendTraces keeps it). */
function appended(target: ArrayLike<unknown>, points: ArrayLike<unknown>, max: number): ArrayLike<unknown> {
  const total = target.length + points.length;
  const keep = Math.min(total, Math.max(0, max));
  const skip = total - keep;
  const Kind = Array.isArray(target)
    ? Array
    : (target.constructor as new (length: number) => { [i: number]: unknown; length: number });
  const out = new Kind(keep) as { [i: number]: unknown; length: number };
  for (let i = 0; i < keep; i++) {
    const from = skip + i;
    out[i] = from < target.length ? target[from] : points[from - target.length];
  }
  return out as ArrayLike<unknown>;
}
