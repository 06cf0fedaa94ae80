import Plotly from 'plotly.js-basic-dist';
import type { PlotlyApi } from '../../src/element/plotly-api.js';

export interface PlotlyCall {
  name: string;
  args: unknown[];
}

/** The real Plotly, with every call recorded. */
export function spyPlotly(): { api: PlotlyApi; calls: PlotlyCall[]; drawCalls: () => PlotlyCall[] } {
  const calls: PlotlyCall[] = [];
  const real = Plotly as unknown as Record<string, (...args: unknown[]) => unknown>;
  const wrap =
    (name: string) =>
    (...args: unknown[]) => {
      calls.push({ name, args });
      return real[name]?.(...args);
    };
  const api = {
    newPlot: wrap('newPlot'),
    react: wrap('react'),
    extendTraces: wrap('extendTraces'),
    update: wrap('update'),
    relayout: wrap('relayout'),
    purge: wrap('purge'),
    Plots: Plotly.Plots,
    version: (Plotly as unknown as { version: string }).version,
  } as unknown as PlotlyApi;
  return { api, calls, drawCalls: () => calls.filter((c) => c.name !== 'purge') };
}
