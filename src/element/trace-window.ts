/**
 * One streamed trace's window: a ring buffer per per-point key, the attributes that array writes
 * replaced, and what changed since the last frame (so a frame sends only the new points, or the
 * whole window when something was overwritten).
 */
import { indexBuffer, POINTS_PER_PIXEL, reduceToColumns, type ReduceSpan } from './decimate.js';
import { getPath, setPath } from './figure.js';
import { PER_POINT_KEYS, type Scalar } from '../shared/messages.js';
import { RingBuffer } from './ring-buffer.js';
import { NumberRing, xNumber } from './x-numbers.js';
import { SlidingReduction, type SlidingWindow } from './sliding-reduction.js';

/**
 * Where a trace is drawn: its x axis's width in pixels, the columns a reduction divides it into
 * (as wide as the line), and the x range in view (null: the whole window).
 */
export interface TraceGeometry {
  pixels: number;
  columns: number;
  range: readonly [number, number] | null;
}

/** How a window is drawn reduced: the part in view and its columns; `key` changes when either does. */
export interface Reduction {
  key: string;
  span: ReduceSpan;
  pixels: number;
  columns: number;
  /** The whole window, its columns following its x extent (no zoom): kept from frame to frame. */
  sliding: boolean;
}

/**
 * A trace whose line can be drawn reduced: a scatter with lines (Plotly's default mode has lines
 * past 20 points) whose points are not stacked on another trace's and whose x is not implicit
 * `x0 + i * dx` (a reduced trace without x gets the kept positions as x).
 */
function isLineTrace(trace: Record<string, unknown>): boolean {
  const type = trace['type'] ?? 'scatter';
  const mode = trace['mode'];
  const fill = trace['fill'];
  return (
    type === 'scatter' &&
    (mode === undefined || (typeof mode === 'string' && mode.includes('lines'))) &&
    trace['stackgroup'] === undefined &&
    !(typeof fill === 'string' && fill.startsWith('tonext')) &&
    trace['x0'] === undefined &&
    trace['dx'] === undefined
  );
}

/**
 * The values at the kept positions: a Float64Array when they are all numbers (Plotly draws typed
 * arrays a third faster than plain ones), else a plain array.
 */
function pick(buffer: RingBuffer<unknown>, indices: Int32Array, count: number): Float64Array | unknown[] {
  const numbers = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const value = buffer.at(indices[i] as number);
    if (typeof value === 'number') {
      numbers[i] = value;
      continue;
    }
    const values = Array.from(numbers.subarray(0, i)) as unknown[];
    for (let j = i; j < count; j++) values.push(buffer.at(indices[j] as number));
    return values;
  }
  return numbers;
}

/** A trace's time rules (`stream.maxage`, `stream.gap`, ms; null: off). */
export interface TimeRules {
  maxage: number | null;
  gap: number | null;
}

export class TraceWindow {
  readonly index: number;
  readonly token: string;
  #maxpoints: number;
  readonly #rules: TimeRules;
  /** Each point's stamp (ms since the epoch), beside the window, when a time rule needs them. */
  #times: NumberRing | null;
  /** True once points came from the stream or `write()` (a relay reset then breaks the line instead of clearing). */
  #streamed = false;
  /** The trace as the figure gave it (without `stream`). */
  readonly #figureTrace: Record<string, unknown>;
  #buffers = new Map<string, RingBuffer<unknown>>();
  /** Non-per-point attributes replaced by array writes (`marker.colorscale`, ...). */
  #attributes = new Map<string, readonly unknown[]>();
  /** Points appended per key since the last frame (the frame sends at most maxpoints of them). */
  #appended = new Map<string, number>();
  /** Keys to send whole in the next frame. */
  #rewrite = new Set<string>();
  /** x as numbers, beside the x buffer (null without one), so a reduction reads it without parsing. */
  #x: NumberRing | null = null;
  readonly #lineTrace: boolean;
  /** The reduction the last frame drew (its key), or null when it drew the whole window. */
  #drawnReduction: string | null = null;
  /** Points of this trace the last frame handed to Plotly. */
  #drawnPoints = 0;
  /** Points the last reduction kept. */
  #reducedPoints = 0;
  /** The followed window's reduction, kept from frame to frame. */
  readonly #sliding = new SlidingReduction();

  constructor(
    index: number,
    token: string,
    maxpoints: number,
    figureTrace: Record<string, unknown>,
    rules: TimeRules = { maxage: null, gap: null },
  ) {
    this.index = index;
    this.token = token;
    this.#maxpoints = maxpoints;
    this.#rules = rules;
    this.#times = rules.maxage === null && rules.gap === null ? null : new NumberRing(maxpoints);
    this.#figureTrace = figureTrace;
    this.#lineTrace = isLineTrace(figureTrace);
    this.#seedFromFigure();
  }

  get maxpoints(): number {
    return this.#maxpoints;
  }

  /** True when the next frame has something to draw for this trace. */
  get dirty(): boolean {
    return this.#appended.size > 0 || this.#rewrite.size > 0;
  }

  /** Number of points in the window for a key. */
  length(key: string): number {
    return this.#buffers.get(key)?.length ?? 0;
  }

  /** The window of a key, oldest first. */
  values(key: string): unknown[] {
    return this.#buffers.get(key)?.toArray() ?? [];
  }

  #seedFromFigure(): void {
    this.#buffers.clear();
    this.#attributes.clear();
    // The figure's own points carry no stamps: the time rules start with the first streamed point.
    this.#times?.rebuild([], this.#maxpoints);
    for (const key of PER_POINT_KEYS) {
      const value = getPath(this.#figureTrace, key);
      if (Array.isArray(value)) this.#buffers.set(key, new RingBuffer(this.#maxpoints, value));
    }
    this.#syncX();
  }

  /** Rebuilds x as numbers from the x buffer (after anything but an append changed it). */
  #syncX(): void {
    const x = this.#buffers.get('x');
    if (x === undefined || !this.#lineTrace) {
      this.#x = null;
      return;
    }
    this.#x ??= new NumberRing(this.#maxpoints);
    this.#x.rebuild(x.toArray(), this.#maxpoints);
  }

  /**
   * A message is about to append a point stamped `time`: when the last point is older than `gap`,
   * a gap point goes first (x repeated, every other key null), so the line breaks there.
   */
  beginPoint(time: number): void {
    this.#streamed = true;
    const times = this.#times;
    if (times === null) return;
    const last = times.length > 0 ? times.at(times.length - 1) : null;
    if (this.#rules.gap !== null && last !== null && time - last > this.#rules.gap) this.breakLine();
    times.push(time);
  }

  /** Appends a gap point (x repeated, every other key null): the line does not join across it. */
  breakLine(): void {
    if (this.length('y') === 0 && this.length('x') === 0) return;
    const times = this.#times;
    if (times !== null && times.length > 0) times.push(times.at(times.length - 1));
    for (const [key, buffer] of this.#buffers) {
      this.append(key, key === 'x' && buffer.length > 0 ? (buffer.at(buffer.length - 1) as Scalar) : null);
    }
  }

  /** True once points came from the stream or `write()`. */
  get streamed(): boolean {
    return this.#streamed;
  }

  /**
   * Drops the points stamped more than `maxage` before the newest (a time window), from every key;
   * the next frame tells Plotly the window's new length.
   */
  trimToAge(): void {
    const times = this.#times;
    const maxage = this.#rules.maxage;
    if (times === null || maxage === null || times.length === 0) return;
    const oldestKept = times.at(times.length - 1) - maxage;
    let drop = 0;
    while (drop < times.length && times.at(drop) < oldestKept) drop++;
    if (drop === 0) return;
    times.dropOldest(drop);
    const kept = times.length;
    for (const [key, buffer] of this.#buffers) {
      const extra = buffer.length - kept;
      if (extra <= 0) continue;
      buffer.dropOldest(extra);
      if (key === 'x') this.#x?.dropOldest(extra);
    }
  }

  append(key: string, value: Scalar): void {
    let buffer = this.#buffers.get(key);
    if (buffer === undefined) {
      buffer = new RingBuffer(this.#maxpoints);
      this.#buffers.set(key, buffer);
      // Plotly extends only existing arrays: a key's first points go out whole.
      this.#rewrite.add(key);
    }
    buffer.push(value);
    if (key === 'x' && this.#lineTrace) {
      if (this.#x === null) this.#syncX();
      else this.#x.push(xNumber(value));
    }
    if (this.#rewrite.has(key)) return;
    this.#appended.set(key, (this.#appended.get(key) ?? 0) + 1);
  }

  overwrite(key: string, values: readonly unknown[]): void {
    if (PER_POINT_KEYS.has(key)) {
      const buffer = this.#buffers.get(key);
      if (buffer === undefined) this.#buffers.set(key, new RingBuffer(this.#maxpoints, values));
      else buffer.replace(values);
      if (key === 'x') this.#syncX();
    } else {
      this.#attributes.set(key, values.slice());
    }
    this.#appended.delete(key);
    this.#rewrite.add(key);
  }

  /** Back to the figure's own data for this trace; the next frame redraws it whole. */
  reset(): void {
    const keys = new Set([...this.#buffers.keys(), ...this.#attributes.keys()]);
    this.#seedFromFigure();
    this.#streamed = false;
    for (const key of this.#buffers.keys()) keys.add(key);
    this.#appended.clear();
    for (const key of keys) this.#rewrite.add(key);
  }

  /** Changes the window length (a new figure), keeping the newest points; redraws whole. */
  resize(maxpoints: number): void {
    if (maxpoints === this.#maxpoints) return;
    this.#maxpoints = maxpoints;
    for (const [key, buffer] of this.#buffers) {
      buffer.resize(maxpoints);
      this.#rewrite.add(key);
    }
    this.#times?.rebuild(this.#times.toArray(), maxpoints);
    this.#syncX();
    this.#appended.clear();
  }

  /** Takes over another window's points (same token, same place among its traces). */
  adopt(previous: TraceWindow): void {
    for (const [key, buffer] of previous.#buffers) {
      this.#buffers.set(key, new RingBuffer(this.#maxpoints, buffer.toArray()));
    }
    for (const [key, values] of previous.#attributes) this.#attributes.set(key, values);
    this.#streamed = previous.#streamed;
    if (previous.#times !== null) this.#times?.rebuild(previous.#times.toArray(), this.#maxpoints);
    this.#syncX();
  }

  /** Appended keys that could go out by extendTraces: none of them needs a whole rewrite. */
  get appendOnly(): boolean {
    return this.#rewrite.size === 0;
  }

  /** The new points per key since the last frame (only meaningful when `appendOnly`). */
  pendingAppends(): Map<string, unknown[]> {
    const out = new Map<string, unknown[]>();
    for (const [key, count] of this.#appended) {
      out.set(key, (this.#buffers.get(key) as RingBuffer<unknown>).last(count));
    }
    return out;
  }

  /** True when the key is drawn as an array Plotly can extend. */
  hasArray(key: string): boolean {
    return this.#buffers.has(key);
  }

  /**
   * Whole values of every key that changed since the last frame; after a reduced frame, of every
   * per-point key (and x back to the figure's, as the reduction may have made one).
   */
  pendingRewrites(): Map<string, unknown> {
    const keys = new Set([...this.#appended.keys(), ...this.#rewrite]);
    if (this.#drawnReduction !== null) for (const key of [...this.#buffers.keys(), 'x']) keys.add(key);
    const out = new Map<string, unknown>();
    for (const key of keys) out.set(key, this.#valueOf(key));
    return out;
  }

  /**
   * How this window is drawn for a geometry: reduced (the part in view, at most four points a
   * column) when it is a line trace with ascending x (or none) and more than `POINTS_PER_PIXEL`
   * points a pixel; null when it is drawn whole. (Below that a whole window costs Plotly little
   * more than a reduced one, and appends can go by extendTraces.)
   */
  reductionFor(geometry: TraceGeometry | null): Reduction | null {
    if (geometry === null || !this.#lineTrace || geometry.columns < 1) return null;
    const y = this.#buffers.get('y');
    const n = y?.length ?? 0;
    if (n <= POINTS_PER_PIXEL * geometry.pixels) return null;
    const x = this.#x;
    if (this.#buffers.has('x') && (x === null || x.length !== n || !x.ascending)) return null;
    const at = (i: number) => (x === null ? i : x.at(i));
    let span: ReduceSpan;
    if (geometry.range === null) {
      span = { from: 0, to: n, lo: at(0), hi: at(n - 1) };
    } else {
      const [lo, hi] = geometry.range;
      // The points in view and one on each side, so the line runs to the plot's edges.
      const first = x === null ? Math.max(0, Math.ceil(lo)) : x.lowerBound(lo);
      const after = x === null ? Math.max(0, Math.floor(hi) + 1) : x.upperBound(hi);
      span = { from: Math.max(0, first - 1), to: Math.min(n, after + 1), lo, hi };
    }
    return {
      key: `${geometry.columns}:${geometry.range?.join(':') ?? ''}`,
      span,
      pixels: geometry.pixels,
      columns: geometry.columns,
      sliding: geometry.range === null,
    };
  }

  /** True for a scatter with lines that can be drawn reduced (see `isLineTrace`). */
  get lineTrace(): boolean {
    return this.#lineTrace;
  }

  /** The key of the reduction the last frame drew, null when it drew the whole window. */
  get drawnReduction(): string | null {
    return this.#drawnReduction;
  }

  /** Points of this trace the last frame drew. */
  get drawnPoints(): number {
    return this.#drawnPoints;
  }

  /**
   * The reduced window: every per-point key at the kept positions (x the positions themselves when
   * the trace has none), and the attributes that changed since the last frame.
   */
  reducedValues(reduction: Reduction): Map<string, unknown> {
    const y = this.#buffers.get('y') as RingBuffer<unknown>;
    const { span } = reduction;
    let indices: Int32Array;
    let count: number;
    if (reduction.sliding) {
      ({ indices, count } = this.#sliding.reduce(this.#slidingWindow(y), reduction.columns));
    } else {
      this.#sliding.clear();
      indices = indexBuffer(span.to - span.from);
      count = span.to - span.from;
      // Few enough points in view (a deep zoom): every one of them is drawn.
      if (count <= POINTS_PER_PIXEL * reduction.pixels) for (let i = 0; i < count; i++) indices[i] = span.from + i;
      else count = reduceToColumns(this.#x, y, span, reduction.columns, indices);
    }
    this.#reducedPoints = count;
    const out = new Map<string, unknown>();
    for (const [key, buffer] of this.#buffers) out.set(key, pick(buffer, indices, count));
    if (!this.#buffers.has('x')) out.set('x', indices.slice(0, count));
    for (const key of this.#rewrite) if (!out.has(key)) out.set(key, this.#valueOf(key));
    return out;
  }

  /** The window as the sliding reduction reads it: in place, numbered from y's first point. */
  #slidingWindow(y: RingBuffer<unknown>): SlidingWindow {
    const x = this.#buffers.get('x');
    // x and y pair by position: a change in how far each has moved makes other pairs.
    const version = x === undefined ? `${y.generation}` : `${y.generation}:${x.generation}:${x.dropped - y.dropped}`;
    return { x: this.#x, y, length: y.length, first: y.dropped, version };
  }

  #valueOf(key: string): unknown {
    const buffer = this.#buffers.get(key);
    if (buffer !== undefined) return buffer.toArray();
    const attribute = this.#attributes.get(key);
    if (attribute !== undefined) return attribute.slice();
    // Reset took the key away: restore the figure's value; null makes Plotly drop the attribute.
    const original = getPath(this.#figureTrace, key);
    if (original === undefined) return null;
    return Array.isArray(original) ? original.slice() : original;
  }

  /**
   * Marks the current state as drawn (reduced, when the frame drew `reduction`). Returns the points
   * pushed out of the window before any frame drew them (more than maxpoints arrived since the last
   * frame; keys of one message count once).
   */
  markDrawn(reduction: Reduction | null = null): number {
    let appended = 0;
    for (const count of this.#appended.values()) appended = Math.max(appended, count);
    this.#appended.clear();
    this.#rewrite.clear();
    this.#drawnReduction = reduction?.key ?? null;
    this.#drawnPoints = reduction === null ? this.length('y') : this.#reducedPoints;
    return Math.max(0, appended - this.#maxpoints);
  }

  /**
   * The trace as it should be drawn from scratch: the figure's trace with the window in it (reduced
   * when a reduction is given).
   */
  toTrace(reduction: Reduction | null = null): Record<string, unknown> {
    const trace = structuredClone(this.#figureTrace);
    if (reduction !== null) {
      for (const [key, values] of this.reducedValues(reduction)) setPath(trace, key, values);
    } else {
      for (const [key, buffer] of this.#buffers) setPath(trace, key, buffer.toArray());
    }
    for (const [key, values] of this.#attributes) setPath(trace, key, values.slice());
    return trace;
  }

  /** The whole window, every per-point key oldest first (whatever is drawn). */
  window(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const [key, buffer] of this.#buffers) out[key] = buffer.toArray();
    return out;
  }
}
