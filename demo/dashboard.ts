import '../src/index.js';
import { PlotlyStreamElement } from '../src/element.js';
import { DASHBOARD_TOKENS, isBarToken, startDashboardProducers } from './simulate.js';

/**
 * Twelve small charts of different kinds, each on its own token, all on one connection. A token
 * whose producer overwrites six bars is a bar chart; the others are line and marker charts that
 * points are appended to (a line chart fed six bars would draw nothing: its x stays empty).
 */
const BARS = (token: string) => ({
  type: 'bar',
  x: ['a', 'b', 'c', 'd', 'e', 'f'],
  y: [0, 0, 0, 0, 0, 0],
  stream: { token },
});
const LINES: Array<(token: string) => Record<string, unknown>> = [
  (token) => ({ type: 'scatter', mode: 'lines', x: [], y: [], stream: { token, maxpoints: 200 } }),
  (token) => ({ type: 'scatter', mode: 'lines', fill: 'tozeroy', x: [], y: [], stream: { token, maxpoints: 150 } }),
  (token) => ({ type: 'scatter', mode: 'markers', x: [], y: [], stream: { token, maxpoints: 80 } }),
  (token) => ({
    type: 'scatter',
    mode: 'lines',
    line: { shape: 'hv' },
    x: [],
    y: [],
    stream: { token, maxpoints: 100 },
  }),
  (token) => ({ type: 'scatter', mode: 'lines+markers', x: [], y: [], stream: { token, maxpoints: 60 } }),
];

const grid = document.getElementById('grid') as HTMLElement;
const relay = new URLSearchParams(location.search).get('relay');
let made = 0;

function addChart(): void {
  const token = DASHBOARD_TOKENS[made % DASHBOARD_TOKENS.length] as string;
  const kind = isBarToken(token) ? BARS : (LINES[made % LINES.length] as (token: string) => Record<string, unknown>);
  made++;
  const chart = document.createElement('plotly-stream');
  chart.figure = {
    data: [kind(token)],
    layout: {
      title: { text: token, font: { size: 12 } },
      margin: { t: 28, r: 8, b: 24, l: 32 },
      showlegend: false,
      yaxis: { range: [0, 100] },
    },
    config: { displayModeBar: false },
  };
  if (relay) chart.src = relay;
  grid.append(chart);
}

for (let i = 0; i < DASHBOARD_TOKENS.length; i++) addChart();
document.getElementById('add')?.addEventListener('click', addChart);
document.getElementById('remove')?.addEventListener('click', () => grid.lastElementChild?.remove());

// Without ?relay=, producers in the page write straight into the charts (no connection at all).
if (!relay) {
  startDashboardProducers((token, message) => {
    for (const chart of grid.querySelectorAll('plotly-stream')) {
      const el = chart as PlotlyStreamElement;
      if ((el.figure as { data: Array<{ stream: { token: string } }> }).data[0]?.stream.token === token)
        el.write(token, message);
    }
  });
}

const connections = document.getElementById('connections') as HTMLElement;
setInterval(() => {
  const n = PlotlyStreamElement.openConnections;
  connections.textContent = `${n} connection${n === 1 ? '' : 's'}`;
}, 250);
