/**
 * One streamed trace's window: a ring buffer per per-point key, the attributes that array writes
 * replaced, and what changed since the last frame (so a frame sends only the new points, or the
 * whole window when something was overwritten).
 */
import { getPath, setPath } from './figure.js';
import { PER_POINT_KEYS, type Scalar } from '../shared/messages.js';
import { RingBuffer } from './ring-buffer.js';

export class TraceWindow {
  readonly index: number;
  readonly token: string;
  #maxpoints: number;
  /** The trace as the figure gave it (without `stream`). */
  readonly #figureTrace: Record<string, unknown>;
  #buffers = new Map<string, RingBuffer<unknown>>();
  /** Non-per-point attributes replaced by array writes (`marker.colorscale`, ...). */
  #attributes = new Map<string, readonly unknown[]>();
  /** Points appended per key since the last frame (the frame sends at most maxpoints of them). */
  #appended = new Map<string, number>();
  /** Keys to send whole in the next frame. */
  #rewrite = new Set<string>();

  constructor(index: number, token: string, maxpoints: number, figureTrace: Record<string, unknown>) {
    this.index = index;
    this.token = token;
    this.#maxpoints = maxpoints;
    this.#figureTrace = figureTrace;
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
    for (const key of PER_POINT_KEYS) {
      const value = getPath(this.#figureTrace, key);
      if (Array.isArray(value)) this.#buffers.set(key, new RingBuffer(this.#maxpoints, value));
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
    if (this.#rewrite.has(key)) return;
    this.#appended.set(key, (this.#appended.get(key) ?? 0) + 1);
  }

  overwrite(key: string, values: readonly unknown[]): void {
    if (PER_POINT_KEYS.has(key)) {
      const buffer = this.#buffers.get(key);
      if (buffer === undefined) this.#buffers.set(key, new RingBuffer(this.#maxpoints, values));
      else buffer.replace(values);
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
    this.#appended.clear();
  }

  /** Takes over another window's points (same token, same place among its traces). */
  adopt(previous: TraceWindow): void {
    for (const [key, buffer] of previous.#buffers) {
      this.#buffers.set(key, new RingBuffer(this.#maxpoints, buffer.toArray()));
    }
    for (const [key, values] of previous.#attributes) this.#attributes.set(key, values);
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

  /** Whole values of every key that changed since the last frame. */
  pendingRewrites(): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const key of new Set([...this.#appended.keys(), ...this.#rewrite])) {
      out.set(key, this.#valueOf(key));
    }
    return out;
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
   * Marks the current state as drawn. Returns the points pushed out of the window before any frame
   * drew them (more than maxpoints arrived since the last frame; keys of one message count once).
   */
  markDrawn(): number {
    let appended = 0;
    for (const count of this.#appended.values()) appended = Math.max(appended, count);
    this.#appended.clear();
    this.#rewrite.clear();
    return Math.max(0, appended - this.#maxpoints);
  }

  /** The trace as it should be drawn from scratch: the figure's trace with the window in it. */
  toTrace(): Record<string, unknown> {
    const trace = structuredClone(this.#figureTrace);
    for (const [key, buffer] of this.#buffers) setPath(trace, key, buffer.toArray());
    for (const [key, values] of this.#attributes) setPath(trace, key, values.slice());
    return trace;
  }
}
