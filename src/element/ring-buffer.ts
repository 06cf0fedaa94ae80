/**
 * A fixed-capacity FIFO: pushing past capacity drops the oldest item. O(1) push, O(n) copy-out.
 * It is the element's own copy of a trace's window, so a re-render never needs the relay.
 */
/** Numbers every contents' replacement, across all buffers, so a generation is never reused. */
let generations = 0;

export class RingBuffer<T> {
  #items: T[];
  #generation = 0;
  #dropped = 0;
  #start = 0;
  #length = 0;
  #capacity: number;

  constructor(capacity: number, initial: Iterable<T> = []) {
    this.#capacity = checkedCapacity(capacity);
    this.#items = [];
    this.replace(initial);
  }

  get capacity(): number {
    return this.#capacity;
  }

  get length(): number {
    return this.#length;
  }

  /** The storage, read by position `(start + i) % capacity` (decimation reads a window in place). */
  get items(): readonly T[] {
    return this.#items;
  }

  /** Where the oldest item is in `items`. */
  get start(): number {
    return this.#start;
  }

  /**
   * Changes whenever the contents are replaced (`replace`, `clear`, `resize`), never by `push` or
   * `dropOldest`: while it holds, position i is the item that was at `i + k` before k more dropped.
   */
  get generation(): number {
    return this.#generation;
  }

  /** Items that left from the front (pushed out or dropped) since the contents were last replaced. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The item at a position of the window (0 the oldest). */
  at(index: number): T {
    return this.#items[(this.#start + index) % this.#capacity] as T;
  }

  push(item: T): void {
    if (this.#length < this.#capacity) {
      this.#items[(this.#start + this.#length) % this.#capacity] = item;
      this.#length++;
    } else {
      this.#items[this.#start] = item;
      this.#start = (this.#start + 1) % this.#capacity;
      this.#dropped++;
    }
  }

  /** Replaces the contents with the last `capacity` items of `items`. */
  replace(items: Iterable<T>): void {
    const all = Array.isArray(items) ? (items as T[]) : Array.from(items);
    const kept = all.length > this.#capacity ? all.slice(all.length - this.#capacity) : all.slice();
    this.#items = kept;
    this.#start = 0;
    this.#length = kept.length;
    this.#generation = ++generations;
    this.#dropped = 0;
  }

  clear(): void {
    this.replace([]);
  }

  /** Drops the `count` oldest items (a time window moving on). */
  dropOldest(count: number): void {
    const n = Math.max(0, Math.min(count, this.#length));
    this.#start = (this.#start + n) % this.#capacity;
    this.#length -= n;
    this.#dropped += n;
  }

  /** Changes the capacity, keeping the newest items that fit. */
  resize(capacity: number): void {
    if (capacity === this.#capacity) return;
    const items = this.toArray();
    this.#capacity = checkedCapacity(capacity);
    this.replace(items);
  }

  /** The newest `count` items (all of them by default), oldest first, as a new plain array. */
  last(count = this.#length): T[] {
    const n = Math.max(0, Math.min(count, this.#length));
    const out = new Array<T>(n);
    const first = this.#start + this.#length - n;
    for (let i = 0; i < n; i++) out[i] = this.#items[(first + i) % this.#capacity] as T;
    return out;
  }

  toArray(): T[] {
    return this.last(this.#length);
  }
}

/** `capacity` when it is a positive integer; a RangeError otherwise (both the constructor and `resize` ask). */
function checkedCapacity(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`RingBuffer capacity must be a positive integer, got ${capacity}`);
  }
  return capacity;
}
