/**
 * Per-pixel-column reduction of a line trace's window (issue 12's decimation; not yet wired into
 * the element): the points of each column of the plot's width are reduced to the first, the lowest,
 * the highest and the last of them, in their original order. Peaks and dips are never lost, every
 * kept point is a real sample, and a column holds at most four points whatever the window's size.
 */

/** Above this many points per pixel column a line is worth reducing (uPlot's rule of thumb). */
export const POINTS_PER_COLUMN = 4;

/**
 * Picks the points to draw: their indices, ascending, written into `out` (room for `y.length`
 * always suffices: at most four a column are written, plus each gap); returns how many. `x` is ascending (null: the index is x), `y` the values;
 * a point whose y is not a finite number (a gap in the line) is always kept, so gaps stay gaps.
 * O(n), no allocation.
 */
export function reduceToColumns(
  x: ArrayLike<number> | null,
  y: ArrayLike<unknown>,
  columns: number,
  out: Int32Array,
): number {
  const n = y.length;
  if (n === 0 || columns < 1) return 0;
  const first = x === null ? 0 : (x[0] as number);
  const last = x === null ? n - 1 : (x[n - 1] as number);
  const span = last - first;
  // All at one x (or one point): a single column.
  const scale = span > 0 ? columns / span : 0;
  let count = 0;
  let column = -1;
  let firstIndex = -1;
  let lastIndex = -1;
  let minIndex = -1;
  let maxIndex = -1;
  let minValue = Infinity;
  let maxValue = -Infinity;

  const flush = (): void => {
    if (firstIndex < 0) return;
    // The four in index order, each once.
    const a = firstIndex;
    let b = minIndex < maxIndex ? minIndex : maxIndex;
    let c = minIndex < maxIndex ? maxIndex : minIndex;
    const d = lastIndex;
    if (b > a) out[count++] = a;
    else b = a;
    out[count++] = b;
    if (c > b) out[count++] = c;
    else c = b;
    if (d > c) out[count++] = d;
    firstIndex = lastIndex = minIndex = maxIndex = -1;
    minValue = Infinity;
    maxValue = -Infinity;
  };

  for (let i = 0; i < n; i++) {
    const xi = x === null ? i : (x[i] as number);
    let c = Math.floor((xi - first) * scale);
    if (c >= columns) c = columns - 1;
    if (c !== column) {
      flush();
      column = c;
    }
    const value = y[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      // A gap: the column so far, the gap alone, then the column goes on.
      flush();
      out[count++] = i;
      continue;
    }
    if (firstIndex < 0) firstIndex = i;
    lastIndex = i;
    if (value < minValue) {
      minValue = value;
      minIndex = i;
    }
    if (value > maxValue) {
      maxValue = value;
      maxIndex = i;
    }
  }
  flush();
  return count;
}
