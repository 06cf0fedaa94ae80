/**
 * Where a page's main thread spent a Chromium trace: each trace event's own time (its duration less
 * that of the events inside it) on the renderer's main thread, summed by name, largest first. Script
 * shows as `FunctionCall` and the like, the browser's own work as `Paint`, `Layout`,
 * `PaintArtifactCompositor::Update` (layerizing), `Document::recalcStyle` and so on.
 */

/** A Chrome trace event, as `Tracing.dataCollected` gives it (only what is read here). */
export interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

export interface MainThreadShare {
  name: string;
  ms: number;
  /** Of the time from the first event to the last on the thread. */
  share: number;
}

/** The renderer main thread's own time by event name, largest first, `top` of them. */
export function mainThreadBreakdown(events: readonly TraceEvent[], top = 12): MainThreadShare[] {
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (main === undefined) return [];
  const spans = events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || (b.dur as number) - (a.dur as number));
  if (spans.length === 0) return [];
  const own = new Map<string, number>();
  const open: TraceEvent[] = [];
  let first = Infinity;
  let last = -Infinity;
  for (const span of spans) {
    const dur = span.dur as number;
    first = Math.min(first, span.ts);
    last = Math.max(last, span.ts + dur);
    while (open.length > 0 && (open.at(-1) as TraceEvent).ts + ((open.at(-1) as TraceEvent).dur as number) <= span.ts)
      open.pop();
    const outer = open.at(-1);
    if (outer !== undefined) own.set(outer.name, (own.get(outer.name) ?? 0) - dur);
    own.set(span.name, (own.get(span.name) ?? 0) + dur);
    open.push(span);
  }
  const whole = last - first;
  return [...own]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: whole > 0 ? us / whole : 0 }));
}
