/**
 * Where Plotly draws a trace, read from the graph div's own layout (`_fullLayout`, `_fullData`, set
 * by every Plotly draw): its x axis's length in pixels (more than four points a pixel make a line
 * worth reducing), the columns a reduction keeps four points each of (as wide as the line) and,
 * when that axis is not autoranged (the person zoomed or panned, or the figure fixed a range), the
 * x range in view. Lines are reduced on linear and date axes only.
 */
import type { TraceGeometry } from './trace-window.js';
import { xNumber } from './x-numbers.js';

interface FullAxis {
  type?: string;
  _length?: number;
  autorange?: unknown;
  range?: unknown[];
  r2l?: (value: unknown) => number;
}

interface DrawnGraphDiv extends HTMLElement {
  _fullLayout?: Record<string, unknown>;
  _fullData?: Array<{ xaxis?: string; line?: { width?: unknown } } | undefined>;
}

/**
 * A column's width in pixels: the line's width, at least one pixel. A stroke shows nothing
 * narrower than itself, so a 2-pixel line (Plotly's default) reduced per 2-pixel column looks as it
 * does per pixel column, with half the points to draw and rasterize.
 */
function columnWidth(lineWidth: unknown): number {
  return Number.isFinite(lineWidth) && (lineWidth as number) > 1 ? (lineWidth as number) : 1;
}

/** Before Plotly first drew the plot: a width wider than its plot area (fewer points kept back, never too few). */
function beforeFirstDraw(gd: HTMLElement): TraceGeometry {
  const pixels = gd.clientWidth > 0 ? gd.clientWidth : 1920;
  return { pixels, columns: pixels, range: null };
}

/** The relayout update that sets these axes (`xaxis`, `yaxis2`, ...) to autorange. */
export function autorangeUpdate(axes: Iterable<string>): Record<string, true> {
  return Object.fromEntries([...axes].map((axis) => [`${axis}.autorange`, true]));
}

/** An axis's key in a layout, from a trace's reference to it: `x2` -> `xaxis2`, none -> `xaxis`. */
export function axisKey(letter: 'x' | 'y', ref: string | undefined): string {
  return `${letter}axis${(ref ?? letter).slice(1)}`;
}

/** The geometry of trace `index` of a graph div, or null when its line is not reduced (a log or category x axis). */
export function traceGeometry(gd: HTMLElement, index: number): TraceGeometry | null {
  const { _fullLayout: layout, _fullData: data } = gd as DrawnGraphDiv;
  if (layout === undefined || data === undefined) return beforeFirstDraw(gd);
  const axis = layout[axisKey('x', data[index]?.xaxis)] as FullAxis | undefined;
  if (axis === undefined || typeof axis._length !== 'number') return beforeFirstDraw(gd);
  if (axis.type !== 'linear' && axis.type !== 'date') return null;
  const pixels = Math.max(1, Math.round(axis._length));
  const columns = Math.max(1, Math.round(axis._length / columnWidth(data[index]?.line?.width)));
  if (axis.autorange !== false || !Array.isArray(axis.range) || axis.range.length !== 2)
    return { pixels, columns, range: null };
  const toNumber = (value: unknown) => (axis.r2l === undefined ? xNumber(value) : axis.r2l(value));
  const a = toNumber(axis.range[0]);
  const b = toNumber(axis.range[1]);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return { pixels, columns, range: null };
  return { pixels, columns, range: a <= b ? [a, b] : [b, a] };
}
