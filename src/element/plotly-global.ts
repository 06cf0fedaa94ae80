/**
 * For dist/plotly-stream.no-plotly.iife.js, the build without Plotly inside: the page's own
 * `window.Plotly` (a full plotly.js with heatmap or scattergl, say), looked up at each call so the
 * page may load it before or after this script.
 */
import type { PlotlyApi } from './plotly-api.js';

function pagePlotly(): PlotlyApi {
  const plotly = (globalThis as { Plotly?: PlotlyApi }).Plotly;
  if (plotly === undefined) {
    throw new Error("plotly-stream.no-plotly.iife.js draws with the page's window.Plotly: load plotly.js on the page");
  }
  return plotly;
}

const PagePlotly = new Proxy({} as PlotlyApi, {
  get: (_target, key) => pagePlotly()[key as keyof PlotlyApi],
});

export default PagePlotly;
