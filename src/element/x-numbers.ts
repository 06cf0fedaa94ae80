/**
 * A line trace's x as numbers, kept beside its window so a frame can bin points into pixel columns
 * without parsing a date per point per frame: numbers as they are, Plotly's date strings as ms
 * (UTC, as Plotly reads them: no time zone), and whether the window's x is ascending (decimation
 * needs it), kept up to date as points come and go.
 */
import { RingBuffer } from './ring-buffer.js';

// Plotly's date strings: `yyyy-mm-dd`, then ` HH`, `:MM`, `:SS(.s*)`; `T` for the space and a zone
// suffix (which Plotly drops) are allowed.
const DATE =
  /^\s*(-?\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[ Tt](\d{1,2})(?::(\d{2})(?::(\d{2})(\.\d+)?)?)?(?:Z|z|[+-]\d\d(?::?\d\d)?)?)?)?)?\s*$/;

/** A value of x as a number on a linear or date axis; NaN when it is neither a number nor a date. */
export function xNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return NaN;
  const date = DATE.exec(value);
  if (date !== null) {
    const [, year, month, day, hour, minute, second, fraction] = date;
    return Date.UTC(
      Number(year),
      Number(month ?? 1) - 1,
      Number(day ?? 1),
      Number(hour ?? 0),
      Number(minute ?? 0),
      Number(second ?? 0),
      fraction === undefined ? 0 : Number(fraction) * 1000,
    );
  }
  // Plotly also reads numeric strings as numbers on a linear axis.
  return value.trim() === '' ? NaN : Number(value);
}

/**
 * A ring of numbers that follows a window's x ring buffer, index for index, and knows whether they
 * ascend.
 */
export class NumberRing extends RingBuffer<number> {
  /** Adjacent pairs out of order (or with a NaN) and values that are not finite, together: 0 when ascending. */
  #disorder = 0;

  /** True when every x is finite and none is below the one before it. */
  get ascending(): boolean {
    return this.#disorder === 0;
  }

  override push(value: number): void {
    // Full: the oldest leaves first, and the pair it began with.
    if (this.length === this.capacity) this.dropOldest(1);
    if (!Number.isFinite(value)) this.#disorder++;
    if (this.length > 0 && !(value >= this.at(this.length - 1))) this.#disorder++;
    super.push(value);
  }

  /** Drops the `count` oldest values, keeping the order counts right. */
  override dropOldest(count: number): void {
    for (let n = Math.min(count, this.length); n > 0; n--) {
      const oldest = this.at(0);
      if (!Number.isFinite(oldest)) this.#disorder--;
      if (this.length > 1 && !(this.at(1) >= oldest)) this.#disorder--;
      super.dropOldest(1);
    }
  }

  /** Starts over from a window's x values (oldest first), with a capacity of its own. */
  rebuild(values: readonly unknown[], capacity: number): void {
    this.clear();
    this.resize(capacity);
    this.#disorder = 0;
    for (let i = Math.max(0, values.length - capacity); i < values.length; i++) this.push(xNumber(values[i]));
  }

  /** First position whose x is at least `value` (the length when none is). Needs `ascending`. */
  lowerBound(value: number): number {
    return this.#search((x) => x < value);
  }

  /** First position whose x is above `value` (the length when none is). Needs `ascending`. */
  upperBound(value: number): number {
    return this.#search((x) => x <= value);
  }

  /** The first position where `before` stops holding (it holds for a prefix of an ascending x). */
  #search(before: (x: number) => boolean): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.at(mid))) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
