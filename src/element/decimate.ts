/**
 * Per-pixel-column reduction of a line trace's window: the points of each column of the plot's
 * width are reduced to the first, the lowest, the highest and the last of them, in their original
 * order. Peaks and dips are never lost, every kept point is a real sample, and a column holds at
 * most four points whatever the window's size. It reads the window's ring buffers in place.
 */

/** Above this many points per pixel of its axis a line is worth reducing (uPlot's rule of thumb). */
export const POINTS_PER_PIXEL = 4;

/** A reduced column keeps at most this many points (first, lowest, highest, last). */
export const POINTS_PER_COLUMN = 4;

/** A ring buffer's storage: position i of the window is at `items[(start + i) % capacity]`. */
export interface RingView<T> {
  readonly items: ArrayLike<T>;
  readonly start: number;
  readonly capacity: number;
}

/** A window's part to reduce: positions `[from, to)`, and the x interval `[lo, hi]` the columns divide. */
export interface ReduceSpan {
  from: number;
  to: number;
  lo: number;
  hi: number;
}

let scratch = new Int32Array(1024);

/** A buffer for `count` indices, reused from frame to frame (the reduction allocates nothing per point). */
export function indexBuffer(count: number): Int32Array {
  if (scratch.length < count) scratch = new Int32Array(Math.max(count, scratch.length * 2));
  return scratch;
}

/**
 * How x maps to columns: column `floor((x - origin) * scale)`, held to `[min, max]`; without an x
 * array, the x of position i is `i + offset`.
 */
export interface ColumnGrid {
  origin: number;
  scale: number;
  min: number;
  max: number;
  offset: number;
}

/**
 * Picks the points to draw: their window positions, ascending, written into `out` (room for
 * `span.to - span.from` always suffices: at most four a column are written, plus each gap);
 * returns how many. `x` is ascending (null: the position is x), `y` the values; a point whose y is
 * not a finite number (a gap in the line) is always kept, so gaps stay gaps. Points outside
 * `[lo, hi]` fall in the first or the last column. O(to - from), no allocation.
 */
export function reduceToColumns(
  x: RingView<number> | null,
  y: RingView<unknown>,
  span: ReduceSpan,
  columns: number,
  out: Int32Array,
): number {
  const { from, to, lo, hi } = span;
  if (columns < 1) return 0;
  const grid = { origin: lo, scale: hi > lo ? columns / (hi - lo) : 0, min: 0, max: columns - 1, offset: 0 };
  return reduceOnGrid(x, y, from, to, grid, out, 0);
}

/**
 * The reduction of positions `[from, to)` on a grid, written into `out` from `at` on (the
 * positions kept, ascending); returns the new end. Splitting a window at the first point of a
 * column and reducing the parts gives what reducing it whole gives.
 */
export function reduceOnGrid(
  x: RingView<number> | null,
  y: RingView<unknown>,
  from: number,
  to: number,
  grid: ColumnGrid,
  out: Int32Array,
  at: number,
): number {
  if (to <= from) return at;
  const { origin, scale, min, max, offset } = grid;
  const xItems = x?.items;
  const xCapacity = x?.capacity ?? 1;
  const yItems = y.items;
  const yCapacity = y.capacity;
  let xp = (x?.start ?? 0) + from;
  if (xp >= xCapacity) xp -= xCapacity;
  let yp = y.start + from;
  if (yp >= yCapacity) yp -= yCapacity;

  let count = at;
  let column = NaN;
  let firstIndex = -1;
  let lastIndex = -1;
  let minIndex = -1;
  let maxIndex = -1;
  let minValue = Infinity;
  let maxValue = -Infinity;

  for (let i = from; i < to; i++) {
    const xi = xItems === undefined ? i + offset : (xItems[xp] as number);
    let c = Math.floor((xi - origin) * scale);
    if (c > max) c = max;
    else if (c < min) c = min;
    const value = yItems[yp];
    if (++xp === xCapacity) xp = 0;
    if (++yp === yCapacity) yp = 0;
    const gap = !Number.isFinite(value);
    if ((c !== column || gap) && firstIndex >= 0) {
      count = writeColumn(out, count, firstIndex, minIndex, maxIndex, lastIndex);
      firstIndex = lastIndex = minIndex = maxIndex = -1;
      minValue = Infinity;
      maxValue = -Infinity;
    }
    column = c;
    if (gap) {
      // A gap is drawn alone: the line ends before it and starts again after it.
      out[count++] = i;
      continue;
    }
    if (firstIndex < 0) firstIndex = i;
    lastIndex = i;
    if ((value as number) < minValue) {
      minValue = value as number;
      minIndex = i;
    }
    if ((value as number) > maxValue) {
      maxValue = value as number;
      maxIndex = i;
    }
  }
  if (firstIndex >= 0) count = writeColumn(out, count, firstIndex, minIndex, maxIndex, lastIndex);
  return count;
}

/** Writes a column's first, lowest, highest and last positions in position order, each once. */
function writeColumn(out: Int32Array, count: number, first: number, min: number, max: number, last: number): number {
  let b = min < max ? min : max;
  let c = min < max ? max : min;
  if (b > first) out[count++] = first;
  else b = first;
  out[count++] = b;
  if (c > b) out[count++] = c;
  else c = b;
  if (last > c) out[count++] = last;
  return count;
}
