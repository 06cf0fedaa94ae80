/**
 * Plotly's files, as its plot call keeps them: a call names a file among its owner's (`filename`)
 * and says what to do with it (`fileopt`). `new` makes a chart (a name already taken gets a
 * suffix, ` (1)`, ` (2)`, ...); `overwrite` replaces the named chart's traces and layout (its link
 * stays, its viewers see the new figure at once); `extend` adds the call's points to the named
 * chart's traces, `append` adds its traces; the three make the chart when there is none.
 */
import { randomBytes } from 'node:crypto';
import type { ChartRefusal, StoredChart } from '../engines/chart-store.js';
import { isMessageObject } from '../../shared/messages.js';
import { readFigure, type Figure } from './chart-figure.js';
import type { Charts } from './charts.js';
import type { PlotCall } from './plot-call.js';

/** Names tried with a counted suffix before a random one (a name taken a hundred times is not searched). */
const COUNTED_SUFFIXES = 9;

export interface PlottedChart {
  chart: StoredChart;
  /** The chart's name as stored (a new chart's may have a suffix). */
  filename: string | null;
  /** Set when the chart was made, not edited: its edit key. */
  editKey: string | null;
  /** What the client should know that is not an error. */
  warning: string;
}

export type PlotRefusal = ChartRefusal | 'conflict' | { error: string };

/** Carries out the call for `owner`; a refusal names the bound met, or what is wrong with the call. */
export async function plotFile(charts: Charts, call: PlotCall, owner: string): Promise<PlottedChart | PlotRefusal> {
  if (call.filename !== null && call.fileopt !== 'new') {
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = await charts.store.findByName(owner, call.filename);
      if (id === null) {
        const made = await make(charts, call, owner, [call.filename]);
        // Another call made a chart of this name meanwhile: edit that one.
        if (made === 'name-taken') continue;
        return made;
      }
      // extend and append only grow a figure (by the call's traces, less their brackets).
      const growsBy =
        call.fileopt === 'extend' || call.fileopt === 'append'
          ? Buffer.byteLength(JSON.stringify(call.figure.data)) - 2
          : undefined;
      const edited = await charts.edit(id, (figure) => changed(figure, call), call.worldReadable, growsBy);
      // Deleted meanwhile: make it again.
      if (edited === null) continue;
      if (typeof edited === 'string' || 'error' in edited) return edited;
      return { chart: edited, filename: call.filename, editKey: null, warning: '' };
    }
    return 'conflict';
  }
  if (call.filename === null) return make(charts, call, owner, [null]);
  // The name, then counted suffixes, then a random one.
  const names = Array.from({ length: COUNTED_SUFFIXES + 2 }, (_, n) =>
    n === 0 ? call.filename : `${call.filename} (${n <= COUNTED_SUFFIXES ? n : randomBytes(4).toString('hex')})`,
  );
  const made = await make(charts, call, owner, names);
  if (made === 'name-taken') return 'conflict';
  if (typeof made !== 'string' && made.filename !== call.filename)
    made.warning = `you have a chart named ${JSON.stringify(call.filename)}: this one is ${JSON.stringify(made.filename)}`;
  return made;
}

async function make(
  charts: Charts,
  call: PlotCall,
  owner: string,
  filenames: readonly (string | null)[],
): Promise<PlottedChart | ChartRefusal> {
  const made = await charts.create(call.figure, owner, call.worldReadable, filenames);
  if (typeof made === 'string') return made;
  return { chart: made.chart, filename: made.chart.filename, editKey: made.editKey, warning: '' };
}

/** The named chart's figure once the call is applied to it. */
function changed(figure: Figure, call: PlotCall): Figure | { error: string } {
  const layout = call.layoutGiven ? call.figure.layout : figure.layout;
  switch (call.fileopt) {
    case 'overwrite':
    case 'new':
      return readFigure({ data: call.figure.data, layout, config: figure.config });
    case 'append':
      return readFigure({ data: [...figure.data, ...call.figure.data], layout, config: figure.config });
    case 'extend':
      return readFigure({ data: extended(figure.data, call), layout, config: figure.config });
  }
}

/**
 * Each of the call's traces extends the chart's trace at its index (or at `traces[i]`): its arrays
 * (x, y, text, ...) are added to the end of the chart's, its other attributes replace the chart's;
 * a trace past the chart's last is added as a new one.
 */
function extended(data: Figure['data'], call: PlotCall): Figure['data'] {
  const out = [...data];
  for (const [i, trace] of call.figure.data.entries()) {
    const index = call.traces?.[i] ?? i;
    const base = out[index];
    if (base === undefined) {
      out.push(trace);
      continue;
    }
    const next: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(trace)) {
      const old = next[key];
      if (Array.isArray(value) && Array.isArray(old)) next[key] = [...old, ...value];
      else if (isMessageObject(value) && isMessageObject(old)) next[key] = { ...old, ...value };
      else next[key] = value;
    }
    out[index] = next;
  }
  return out;
}
