/**
 * A followed line's reduction kept from frame to frame: while points only arrive at the end and
 * leave from the front, every column but the first and the last holds the same points as before,
 * so only those two are reduced again. The columns are anchored to x (column k holds
 * `[k, k + 1) / scale`), not to the window's first point, so they do not move as it slides. A frame
 * costs the points of two columns and the new points, not the whole window.
 */
import { indexBuffer, reduceOnGrid, type ColumnGrid, type RingView } from './decimate.js';

/** The window to reduce, read in place. */
export interface SlidingWindow {
  /** x as numbers, ascending (null: the trace has no x; its x is the point's position). */
  x: (RingView<number> & { at(index: number): number }) | null;
  y: RingView<unknown>;
  length: number;
  /** Points that left the window's front since `version` began: position i is point `first + i`. */
  first: number;
  /** Changes whenever the window changed other than by points arriving at the end or leaving from the front. */
  version: string;
}

/** A column count may drift this far from the plot's before the columns are laid out again. */
const DRIFT = 0.05;

export class SlidingReduction {
  /** Kept points, as point numbers (`first + position`), ascending. */
  #kept = new Float64Array(256);
  #count = 0;
  #spare = new Float64Array(256);
  #version: string | null = null;
  #columns = 0;
  #scale = 0;
  /** Point number one past the window's last point at the last reduction. */
  #end = 0;
  /** Whole reductions (a new layout of columns, or a window changed in place), for tests. */
  rebuilds = 0;

  /** Columns per unit of x of the current layout (column k holds x in `[k, k + 1) / scale`). */
  get scale(): number {
    return this.#scale;
  }

  /** Forgets the kept columns (the next reduction is a whole one). */
  clear(): void {
    this.#version = null;
    this.#count = 0;
  }

  /**
   * The positions to draw for `columns` columns across the window's x extent, ascending, in
   * `indexBuffer`'s buffer; returns how many.
   */
  reduce(window: SlidingWindow, columns: number): { indices: Int32Array; count: number } {
    const n = window.length;
    if (n === 0 || columns < 1) return { indices: indexBuffer(0), count: 0 };
    const x = window.x;
    const xAt = (i: number) => (x === null ? window.first + i : x.at(i));
    const extent = xAt(n - 1) - xAt(0);
    const spread = extent * this.#scale;
    const incremental =
      window.version === this.#version &&
      columns === this.#columns &&
      this.#count > 0 &&
      spread >= columns * (1 - DRIFT) &&
      spread <= columns * (1 + DRIFT) &&
      this.#update(window, xAt);
    if (!incremental) this.#rebuild(window, columns, extent);
    this.#end = window.first + n;
    const indices = indexBuffer(n);
    const kept = this.#kept;
    const count = this.#count;
    for (let i = 0; i < count; i++) indices[i] = (kept[i] as number) - window.first;
    return { indices, count };
  }

  #grid(window: SlidingWindow): ColumnGrid {
    return { origin: 0, scale: this.#scale, min: -Infinity, max: Infinity, offset: window.first };
  }

  #rebuild(window: SlidingWindow, columns: number, extent: number): void {
    this.rebuilds++;
    this.#version = window.version;
    this.#columns = columns;
    this.#scale = extent > 0 ? columns / extent : 0;
    const n = window.length;
    const out = indexBuffer(n);
    const count = reduceOnGrid(window.x, window.y, 0, n, this.#grid(window), out, 0);
    this.#kept = this.#room(this.#kept, count);
    for (let i = 0; i < count; i++) this.#kept[i] = window.first + (out[i] as number);
    this.#count = count;
  }

  /** Redoes the first and the last column; false when a whole reduction is needed instead. */
  #update(window: SlidingWindow, xAt: (i: number) => number): boolean {
    const n = window.length;
    const first = window.first;
    const kept = this.#kept;
    const count = this.#count;
    if (first + n === this.#end && (kept[0] as number) >= first) return true; // nothing arrived or left
    if ((kept[count - 1] as number) < first) return false; // the whole window moved on
    const scale = this.#scale;
    const column = (position: number) => Math.floor(xAt(position) * scale);
    const firstColumn = column(0);
    // The last column drawn may have gained points: it is reduced again from its first point
    // (always kept) to the window's end, with every column after it.
    const lastColumn = column((kept[count - 1] as number) - first);
    if (lastColumn <= firstColumn + 1) return false; // two columns or fewer: nothing to keep
    let tail = count;
    while (tail > 0 && (kept[tail - 1] as number) >= first && column((kept[tail - 1] as number) - first) >= lastColumn)
      tail--;
    // The first column may have lost points: it is reduced again from the window's first point to
    // the first point of the next column kept.
    let head = 0;
    while (head < tail && ((kept[head] as number) < first || column((kept[head] as number) - first) <= firstColumn))
      head++;
    const tailFrom = (kept[tail] as number) - first;
    const headTo = head < tail ? (kept[head] as number) - first : tailFrom;

    const grid = this.#grid(window);
    const out = indexBuffer(n);
    let written = reduceOnGrid(window.x, window.y, 0, headTo, grid, out, 0);
    const middle = tail - head;
    const frontCount = written;
    written = reduceOnGrid(window.x, window.y, tailFrom, n, grid, out, written);
    const total = written + middle;
    const next = this.#room(this.#spare, total);
    for (let i = 0; i < frontCount; i++) next[i] = first + (out[i] as number);
    next.set(kept.subarray(head, tail), frontCount);
    for (let i = frontCount; i < written; i++) next[middle + i] = first + (out[i] as number);
    this.#spare = kept;
    this.#kept = next;
    this.#count = total;
    return true;
  }

  #room(buffer: Float64Array<ArrayBuffer>, count: number): Float64Array<ArrayBuffer> {
    return buffer.length >= count ? buffer : new Float64Array(Math.max(count, buffer.length * 2));
  }
}
