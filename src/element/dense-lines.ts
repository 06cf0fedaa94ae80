/**
 * How dense lines are rasterized. A line with at least a point per pixel across whose signal jumps
 * (noise, a fast ripple) is drawn as tall strokes side by side: it shows as a solid band. Reduced
 * lines are such lines by construction (four real samples a column, columns as wide as the line).
 * Antialiasing the edges of those strokes is most of what such a frame costs the browser (ten noise
 * bands drew at half the frame rate in headless Chromium) and changes nothing a person can see
 * inside a band, so a dense line's group of line paths (`g.lines`, not its markers or fill) gets
 * `shape-rendering="optimizeSpeed"`. Smooth and sparse lines keep antialiasing: on them its absence
 * shows as stair steps. The attribute is SVG's presentation attribute: any CSS rule that sets
 * `shape-rendering` on the line (`plotly-stream .js-line { shape-rendering: auto }`) wins.
 */
import { axisKey } from './plot-geometry.js';

/** A line is dense when it has at least this many points per pixel across... */
export const DENSE_POINTS_PER_PIXEL = 1;
/** ...and travels up and down more than this many pixels per pixel across... */
export const DENSE_TRAVEL_ON = 4;
/** ...and stays dense until it travels less than this (no flicker between the two near the limit). */
export const DENSE_TRAVEL_OFF = 3;

const ATTRIBUTE = 'shape-rendering';
const FAST = 'optimizeSpeed';

interface FullAxis {
  type?: string;
  _length?: number;
  c2p?: (value: unknown) => number;
}

interface DrawnGraphDiv extends HTMLElement {
  data?: Array<{ y?: ArrayLike<unknown> } | undefined>;
  _fullLayout?: Record<string, unknown>;
  _fullData?: Array<{ uid?: unknown; xaxis?: string; yaxis?: string; type?: string } | undefined>;
}

/**
 * Pixels the drawn line of trace `index` travels up and down per pixel of its x axis, or null when
 * it is not known or the line has fewer than `DENSE_POINTS_PER_PIXEL` points a pixel.
 */
export function verticalTravel(gd: HTMLElement, index: number): number | null {
  const { data, _fullLayout: layout, _fullData: fullData } = gd as DrawnGraphDiv;
  const y = data?.[index]?.y;
  const full = fullData?.[index];
  if (y === undefined || full === undefined || layout === undefined) return null;
  const xAxis = layout[axisKey('x', full.xaxis)] as FullAxis | undefined;
  const yAxis = layout[axisKey('y', full.yaxis)] as FullAxis | undefined;
  const width = xAxis?._length;
  const toPixel = yAxis?.c2p;
  if (typeof width !== 'number' || width <= 0 || typeof toPixel !== 'function') return null;
  if (y.length < DENSE_POINTS_PER_PIXEL * width) return null;
  // A linear (or date: milliseconds) axis maps values to pixels by one factor: sum the values' steps.
  const linear = yAxis?.type === 'linear' || yAxis?.type === 'date';
  const factor = linear ? Math.abs(toPixel(1) - toPixel(0)) : 1;
  if (!Number.isFinite(factor)) return null;
  let travel = 0;
  let previous = NaN;
  for (let i = 0; i < y.length; i++) {
    const value = y[i];
    if (typeof value !== 'number') continue;
    const at = linear ? value : toPixel(value);
    if (Number.isFinite(at)) {
      if (Number.isFinite(previous)) travel += Math.abs(at - previous);
      previous = at;
    }
  }
  travel *= factor;
  return travel / width;
}

/** The group of line paths of scatter trace `index` (its trace group's class names the trace's uid), or null. */
function linesGroup(gd: HTMLElement, index: number): Element | null {
  const full = (gd as DrawnGraphDiv)._fullData?.[index];
  if (full?.type !== 'scatter' || typeof full.uid !== 'string') return null;
  return gd.querySelector(`g.trace.scatter.${CSS.escape(`trace${full.uid}`)} > g.lines`);
}

/** Which lines of one graph div are drawn without antialiasing; call after each draw. */
export class DenseLines {
  /** Trace indices drawn dense by the last call. */
  #dense = new Set<number>();

  /** After a draw: `lines` are the streamed line traces; every other trace keeps antialiasing. */
  apply(gd: HTMLElement, lines: readonly number[]): void {
    if (lines.length === 0 && this.#dense.size === 0) return;
    const next = new Set<number>();
    for (const index of lines) {
      const travel = verticalTravel(gd, index);
      if (travel === null) continue;
      if (travel > (this.#dense.has(index) ? DENSE_TRAVEL_OFF : DENSE_TRAVEL_ON)) next.add(index);
    }
    for (const index of new Set([...this.#dense, ...next])) {
      const group = linesGroup(gd, index);
      if (group === null) continue;
      if (next.has(index)) {
        if (group.getAttribute(ATTRIBUTE) !== FAST) group.setAttribute(ATTRIBUTE, FAST);
      } else if (group.getAttribute(ATTRIBUTE) === FAST) group.removeAttribute(ATTRIBUTE);
    }
    this.#dense = next;
  }

  /** A new figure: nothing is known dense. */
  reset(): void {
    this.#dense.clear();
  }
}
