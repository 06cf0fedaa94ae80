/**
 * Frame planning, all of it: one frame's pending work -> exactly one Plotly call: `react` with the
 * whole figure when it must be drawn anew (the first frame, a new figure, after a failed draw),
 * `extendTraces` when every change is an append to an array Plotly already has (drawn by Plotly's
 * range path when the traces are plain lines: `streamDraw`), otherwise one
 * `update` (restyle + relayout) with whole windows. Each redraws the plot once; a frame never makes
 * two calls (`drawPlan` makes it). A line whose window holds more points
 * than its plot has pixels for is drawn reduced (`TraceWindow.reductionFor`): its arrays go whole,
 * so a frame with one goes by `update`.
 */
import type { PlotlyApi } from './plotly-api.js';
import { streamDraw } from './stream-draw.js';
import type { Reduction, TraceGeometry, TraceWindow } from './trace-window.js';

/** Where each streamed trace is drawn (null: it is not reduced); null for no decimation at all. */
export type GeometryOf = ((window: TraceWindow) => TraceGeometry | null) | null;

/** How a window is drawn now: reduced for its geometry, or null (whole; or no decimation at all). */
export function reductionOf(window: TraceWindow, geometryOf: GeometryOf): Reduction | null {
  return geometryOf === null ? null : window.reductionFor(geometryOf(window));
}

export interface ExtendPlan {
  kind: 'extend';
  update: Record<string, unknown[][]>;
  indices: number[];
  maxPoints: Record<string, number[]>;
}

export interface UpdatePlan {
  kind: 'update';
  traces: Record<string, unknown[]>;
  layout: Record<string, unknown>;
  indices: number[];
}

export interface ReactPlan {
  kind: 'react';
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

export type FramePlan = ExtendPlan | UpdatePlan | ReactPlan;

/** The whole figure to draw, its windows drawn with these reductions (by window, in trace order). */
export type FullFigureOf = (reductions: ReadonlyArray<Reduction | null>) => Omit<ReactPlan, 'kind'>;

function planExtend(dirty: TraceWindow[]): ExtendPlan | null {
  const appends = dirty.map((w) => w.pendingAppends());
  const keys = new Set<string>();
  for (const perKey of appends) for (const key of perKey.keys()) keys.add(key);
  const update: Record<string, unknown[][]> = {};
  const maxPoints: Record<string, number[]> = {};
  for (const key of keys) {
    update[key] = [];
    maxPoints[key] = [];
  }
  for (let i = 0; i < dirty.length; i++) {
    const window = dirty[i] as TraceWindow;
    const perKey = appends[i] as Map<string, unknown[]>;
    for (const key of keys) {
      const points = perKey.get(key);
      // A trace may join the shared call for a key it did not append to only if it has that array.
      if (points === undefined && !window.hasArray(key)) return null;
      (update[key] as unknown[][]).push(points ?? []);
      // The window's length now: at most maxpoints, fewer when a time window (maxage) dropped old points.
      (maxPoints[key] as number[]).push(window.length(key));
    }
  }
  return { kind: 'extend', update, indices: dirty.map((w) => w.index), maxPoints };
}

function planUpdate(
  dirty: TraceWindow[],
  layout: Record<string, unknown>,
  reductions: ReadonlyMap<TraceWindow, Reduction>,
): UpdatePlan {
  const traces: Record<string, unknown[]> = {};
  dirty.forEach((window, position) => {
    const reduction = reductions.get(window);
    const values = reduction === undefined ? window.pendingRewrites() : window.reducedValues(reduction);
    for (const [key, value] of values) {
      // Plotly's restyle skips traces whose value is undefined: each trace sets only its own keys.
      const values = (traces[key] ??= new Array<unknown>(dirty.length).fill(undefined));
      values[position] = value;
    }
  });
  return { kind: 'update', traces, layout, indices: dirty.map((w) => w.index) };
}

/**
 * Plans the frame and marks the windows drawn: with `fullFigure` (the figure must be drawn anew)
 * every window goes whole as a `react`; else the windows that changed (or whose reduction did: a
 * resize, a zoom) and the layout merged since the last frame. Returns the plan and the points
 * dropped unseen, or null when nothing changed.
 */
export function planFrame(
  windows: readonly TraceWindow[],
  layout: Record<string, unknown> | null,
  geometryOf: GeometryOf = null,
  fullFigure: FullFigureOf | null = null,
): { plan: FramePlan; drops: number } | null {
  if (fullFigure !== null) {
    const reductions = windows.map((w) => reductionOf(w, geometryOf));
    let drops = 0;
    const plan: ReactPlan = { kind: 'react', ...fullFigure(reductions) };
    windows.forEach((window, i) => (drops += window.markDrawn(reductions[i] ?? null)));
    return { plan, drops };
  }
  const redraw: TraceWindow[] = [];
  const reductions = new Map<TraceWindow, Reduction>();
  // Reduced now or in the last frame: the whole (reduced) arrays go out, not an extend.
  let whole = false;
  for (const window of windows) {
    const reduction = reductionOf(window, geometryOf);
    if (reduction !== null) reductions.set(window, reduction);
    const changed = window.dirty || window.drawnReduction !== (reduction?.key ?? null);
    if (!changed) continue;
    redraw.push(window);
    if (reduction !== null || window.drawnReduction !== null) whole = true;
  }
  if (redraw.length === 0 && layout === null) return null;
  let plan: FramePlan | null = null;
  if (!whole && layout === null && redraw.every((w) => w.appendOnly)) plan = planExtend(redraw);
  plan ??= planUpdate(redraw, layout ?? {}, reductions);
  let drops = 0;
  for (const window of redraw) drops += window.markDrawn(reductions.get(window) ?? null);
  return { plan, drops };
}

/** Makes the plan's one Plotly call. */
export function drawPlan(plotly: PlotlyApi, gd: HTMLElement, plan: FramePlan): Promise<unknown> {
  switch (plan.kind) {
    case 'extend':
      // A plain line on autoranged axes: Plotly's range path; else its full redraw.
      return streamDraw(plotly, gd, plan) ?? plotly.extendTraces(gd, plan.update, plan.indices, plan.maxPoints);
    case 'update':
      return plotly.update(gd, plan.traces, plan.layout, plan.indices);
    case 'react':
      return plotly.react(gd, plan.data, plan.layout, plan.config);
  }
}
