/**
 * The element's data model: routes each token's messages to its traces' windows, merges layout
 * updates, counts, and turns what changed into one frame's plan. It knows nothing of the DOM or
 * of Plotly's API beyond the plan it returns.
 */
import { figureTokens, setPath, type ParsedFigure } from './figure.js';
import {
  checkMessage,
  isMessageObject,
  MAX_MESSAGE_DEPTH,
  tooDeep,
  parseLine,
  keyRule,
  valueNestsDeeperThan,
  visitMessage,
  type MessageVisitor,
  type Scalar,
} from '../shared/messages.js';
import type { StreamError } from './errors.js';
import { planFrame, type FramePlan, type FullFigureOf, type GeometryOf } from './frame-plan.js';
import { TraceWindow, type Reduction } from './trace-window.js';
import { withUnmeasuredTickLabels } from './tick-labels.js';

/** The model's counters since the element was created (the element adds `reconnects`; see the README's `stats`). */
export interface ModelStats {
  /** Messages accepted (from the relay or `write()`). */
  messages: number;
  /** Points appended (one per accepted message that appended anything, per token). */
  points: number;
  /** Frames drawn (Plotly calls). */
  frames: number;
  /** Points pushed out of a window before any frame drew them (input faster than frames). */
  drops: number;
  /** Messages and message parts rejected by the message rules. */
  rejected: number;
  /** Milliseconds the last frame's Plotly call took. */
  lastRenderMs: number;
  /** Milliseconds from the oldest message drawn by the last frame to that frame. */
  lag: number;
  /** Points of the streamed traces that Plotly draws (fewer than the windows hold where lines are reduced). */
  drawnPoints: number;
}

export class PlotModel {
  #figure: ParsedFigure | null = null;
  #windows: TraceWindow[] = [];
  #routes = new Map<string, TraceWindow[]>();
  /** Layout updates since the last frame (dotted paths, later ones win). */
  #pendingLayout: Record<string, unknown> | null = null;
  /** Every layout update since the figure was set, so a full redraw keeps them. */
  #appliedLayout: Record<string, unknown> = {};
  #needsFullDraw = false;
  /** Counts figures: Plotly's `uirevision`, so a redraw of the same figure keeps what the person zoomed to and a new figure does not. */
  #figureRevision = 0;
  #reportedUnknown = new Set<string>();
  #oldestPending: number | null = null;
  readonly #stats: ModelStats = {
    messages: 0,
    points: 0,
    frames: 0,
    drops: 0,
    rejected: 0,
    lastRenderMs: 0,
    lag: 0,
    drawnPoints: 0,
  };
  readonly #onError: (error: StreamError) => void;
  readonly #now: () => number;

  constructor(onError: (error: StreamError) => void, now: () => number = () => performance.now()) {
    this.#onError = onError;
    this.#now = now;
  }

  /** The counters; only the model writes them. */
  get stats(): Readonly<ModelStats> {
    return this.#stats;
  }

  /** Counts a frame whose Plotly call took `ms`. */
  frameDrawn(ms: number): void {
    this.#stats.frames++;
    this.#stats.lastRenderMs = ms;
  }

  get figure(): ParsedFigure | null {
    return this.#figure;
  }

  /** Tokens the figure streams, in first-seen order. */
  get tokens(): string[] {
    return this.#figure === null ? [] : figureTokens(this.#figure);
  }

  /** Windows of a token's traces (empty for a token the figure does not name). */
  windows(token: string): readonly TraceWindow[] {
    return this.#routes.get(token) ?? [];
  }

  /** Indices of the streamed traces that are lines (scatter with lines; see `TraceWindow.lineTrace`). */
  get lineTraces(): number[] {
    return this.#windows.filter((w) => w.lineTrace).map((w) => w.index);
  }

  /** True when a frame has something to draw. */
  get dirty(): boolean {
    return this.#needsFullDraw || this.#pendingLayout !== null || this.#windows.some((w) => w.dirty);
  }

  /**
   * Sets a new figure. Traces keep their points across figure changes when they stream the same
   * token at the same place among that token's traces. The next frame draws the whole figure.
   */
  setFigure(figure: ParsedFigure): void {
    const previous = this.#routes;
    this.#figure = figure;
    this.#windows = [];
    this.#routes = new Map();
    this.#appliedLayout = {};
    this.#pendingLayout = null;
    this.#figureRevision++;
    for (const problem of figure.problems) this.#error({ code: 'bad-figure', message: problem });
    for (const binding of figure.streams) {
      const trace = figure.data[binding.index] as Record<string, unknown>;
      const window = new TraceWindow(binding.index, binding.token, binding.maxpoints, trace, binding);
      const siblings = this.#routes.get(binding.token) ?? [];
      const before = previous.get(binding.token)?.[siblings.length];
      if (before !== undefined) window.adopt(before);
      siblings.push(window);
      this.#routes.set(binding.token, siblings);
      this.#windows.push(window);
    }
    this.#needsFullDraw = true;
  }

  /** Asks for a full redraw on the next frame (after a failed Plotly call, say). */
  invalidate(): void {
    this.#needsFullDraw = true;
  }

  /**
   * Applies one message (an object, or one JSON line) to every trace bound to the token, its points
   * stamped `time` (ms since the epoch: when the relay accepted it, or now). Returns false when the
   * message was rejected (it is reported; nothing else is affected).
   */
  write(token: string, message: unknown, time: number = Date.now()): boolean {
    this.#visitTime = time;
    if (typeof message === 'string') return this.#writeLine(token, message);
    if (!isMessageObject(message)) {
      const rejected = checkMessage(message);
      if (rejected.kind === 'rejected') this.#error({ ...rejected.error, token });
      this.#stats.rejected++;
      return false;
    }
    // A line's depth was checked on its text; an object from `write()` is walked (only that deep).
    if (valueNestsDeeperThan(message, MAX_MESSAGE_DEPTH)) {
      this.#stats.rejected++;
      this.#error({ ...tooDeep().error, token });
      return false;
    }
    return this.#apply(token, message);
  }

  #apply(token: string, message: Record<string, unknown>): boolean {
    const windows = this.#routes.get(token);
    this.#stats.messages++;
    if (windows === undefined) {
      this.#reportUnknownToken(token);
      return true;
    }
    // One visitor for every message (no closures per message: this runs for each point).
    this.#visitToken = token;
    this.#visitWindows = windows;
    this.#visitAppended = false;
    visitMessage(message, this.#visitor);
    if (this.#visitAppended) this.#stats.points++;
    this.#oldestPending ??= this.#now();
    return true;
  }

  /**
   * A run's messages as columns (each message `{key: columns[key][i]}`, scalar values, the same keys),
   * message i stamped `time + dt[i]`: the same as writing each message, without an object per message.
   */
  writeColumns(
    token: string,
    columns: Readonly<Record<string, readonly Scalar[]>>,
    time: number,
    dt?: readonly number[],
  ): void {
    const keys: string[] = [];
    const values: (readonly Scalar[])[] = [];
    let count = 0;
    for (const key in columns) {
      const column = columns[key] as readonly Scalar[];
      count = column.length;
      // The decoder let no `layout` nor unsafe key into the columns: each is per point or unknown.
      if (keyRule(key, key) === 'per-point') {
        keys.push(key);
        values.push(column);
      } else if (this.#routes.has(token)) this.#reportUnknownKey(token, key);
    }
    this.#stats.messages += count;
    const windows = this.#routes.get(token);
    if (windows === undefined) {
      this.#reportUnknownToken(token);
      return;
    }
    this.#oldestPending ??= this.#now();
    if (keys.length === 0) return;
    for (let i = 0; i < count; i++) {
      const stamp = time + (dt?.[i] ?? 0);
      for (const window of windows) window.beginPoint(stamp);
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k] as string;
        const value = (values[k] as readonly Scalar[])[i] as Scalar;
        for (const window of windows) window.append(key, value);
      }
    }
    this.#stats.points += count;
  }

  /** One NDJSON line: a blank one is a heartbeat, a bad one is rejected like a non-object. */
  #writeLine(token: string, line: string): boolean {
    const parsed = parseLine(line);
    if (parsed.kind === 'heartbeat') return true;
    if (parsed.kind === 'message') return this.#apply(token, parsed.message);
    this.#stats.rejected++;
    this.#error({ ...parsed.error, token });
    return false;
  }

  #visitToken = '';
  #visitWindows: readonly TraceWindow[] = [];
  #visitAppended = false;
  #visitTime = 0;
  readonly #visitor: MessageVisitor = {
    append: (path: string, value: Scalar) => {
      if (!this.#visitAppended) {
        // The message's first per-point value: a new point, stamped (a gap may go before it).
        this.#visitAppended = true;
        for (const window of this.#visitWindows) window.beginPoint(this.#visitTime);
      }
      for (const window of this.#visitWindows) window.append(path, value);
    },
    overwrite: (path, values) => {
      for (const window of this.#visitWindows) window.overwrite(path, values);
    },
    layout: (update) => {
      this.#pendingLayout = Object.assign(this.#pendingLayout ?? {}, update);
      Object.assign(this.#appliedLayout, update);
    },
    unknownKey: (path) => this.#reportUnknownKey(this.#visitToken, path),
    badLayout: () => {
      this.#stats.rejected++;
      this.#error({
        code: 'bad-layout',
        token: this.#visitToken,
        message: '"layout" must be an object; the rest of the message was applied',
      });
    },
  };

  /**
   * The relay started a token over (its history was lost, or the viewer was away longer than it
   * keeps): traces that have streamed points keep them and their lines break there, so what the
   * relay sends next is not joined across the hole; the others go back to the figure's own data.
   */
  restart(token: string): void {
    for (const window of this.#routes.get(token) ?? []) {
      if (window.streamed) window.breakLine();
      else window.reset();
    }
  }

  /** Empties a token's traces (all tokens without one) back to the figure's own data. */
  clear(token?: string): void {
    const windows = token === undefined ? this.#windows : (this.#routes.get(token) ?? []);
    for (const window of windows) window.reset();
  }

  /** A streamed trace's whole window (each per-point key, oldest first), or null for a trace that does not stream. */
  window(trace: number): Record<string, unknown[]> | null {
    return this.#windows.find((w) => w.index === trace)?.window() ?? null;
  }

  /** Every streamed trace's whole window, in trace order. */
  windowsByTrace(): Array<{ trace: number; data: Record<string, unknown[]> }> {
    return this.#windows.map((w) => ({ trace: w.index, data: w.window() }));
  }

  /**
   * The whole figure as it should be drawn now: the figure with every window and layout update;
   * `reductions` (by window, in trace order) draws some windows reduced.
   */
  fullFigure(reductions: ReadonlyArray<Reduction | null> = []): {
    data: Record<string, unknown>[];
    layout: Record<string, unknown>;
    config: Record<string, unknown>;
  } {
    const figure = this.#figure;
    if (figure === null) return { data: [], layout: {}, config: {} };
    const data = figure.data.map((trace) => structuredClone(trace));
    this.#windows.forEach((window, i) => (data[window.index] = window.toTrace(reductions[i] ?? null)));
    const layout = structuredClone(figure.layout);
    for (const [path, value] of Object.entries(this.#appliedLayout)) setPath(layout, path, structuredClone(value));
    layout['uirevision'] ??= `plotly-stream-${this.#figureRevision}`;
    return { data, layout: withUnmeasuredTickLabels(layout), config: { ...figure.config } };
  }

  /**
   * Takes what changed since the last frame as one plan, or null when nothing did. Lines are drawn
   * reduced where `geometryOf` (null: never) gives their plot's width; `configure` makes the config
   * a whole redraw goes with (the element adds its download button).
   */
  takeFrame(
    geometryOf: GeometryOf = null,
    configure: (config: Record<string, unknown>) => Record<string, unknown> = (config) => config,
  ): FramePlan | null {
    const now = this.#now();
    if (this.#oldestPending !== null) this.#stats.lag = now - this.#oldestPending;
    this.#oldestPending = null;
    for (const window of this.#windows) window.trimToAge();
    const fullFigure: FullFigureOf | null = this.#needsFullDraw
      ? (reductions) => {
          const figure = this.fullFigure(reductions);
          return { ...figure, config: configure(figure.config) };
        }
      : null;
    const planned = planFrame(this.#windows, this.#pendingLayout, geometryOf, fullFigure);
    this.#needsFullDraw = false;
    this.#pendingLayout = null;
    if (planned === null) return null;
    this.#stats.drops += planned.drops;
    this.#stats.drawnPoints = this.#windows.reduce((sum, w) => sum + w.drawnPoints, 0);
    return planned.plan;
  }

  #reportUnknownToken(token: string): void {
    this.#reportOnce(`${token}\n`, {
      code: 'unknown-token',
      token,
      message: `no trace of the figure streams token "${token}"; its messages are not drawn (reported once per token)`,
    });
  }

  #reportUnknownKey(token: string, path: string): void {
    this.#reportOnce(`${token}\n${path}`, {
      code: 'unknown-key',
      token,
      message: `"${path}" is not a per-point key, so its scalar values are ignored (reported once per token)`,
    });
  }

  #reportOnce(key: string, error: StreamError): void {
    if (this.#reportedUnknown.has(key)) return;
    this.#reportedUnknown.add(key);
    this.#error(error);
  }

  #error(error: StreamError): void {
    this.#onError(error);
  }
}
