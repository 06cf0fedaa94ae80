import '../src/index.js';
import type { PlotlyStreamElement } from '../src/element.js';
import { startProducers } from './simulate.js';

const charts = [...document.querySelectorAll('plotly-stream')] as PlotlyStreamElement[];
const byToken = new Map(charts.map((el) => [el.id, el]));

// With ?relay=URL (what npm start opens) the charts subscribe to that relay, fed by producers that
// POST to it; without, simulated producers in this page write straight into the elements.
const relay = new URLSearchParams(location.search).get('relay');
const source = document.getElementById('source') as HTMLElement;
if (relay) {
  for (const el of charts) el.src = relay;
  source.textContent = `through the relay at ${relay}`;
} else {
  startProducers((token, message) => byToken.get(token)?.write(token, message));
}

const pause = document.getElementById('pause') as HTMLButtonElement;
pause.addEventListener('click', () => {
  const paused = !charts[0]?.paused;
  for (const el of charts) el.paused = paused;
  pause.textContent = paused ? 'Resume all' : 'Pause all';
});
document.getElementById('clear')?.addEventListener('click', () => charts.forEach((el) => el.clear()));

for (const el of charts) el.addEventListener('plotly-stream-error', (e) => console.warn(el.id, e.detail));
setInterval(() => {
  for (const el of charts) {
    const s = el.stats;
    const line = document.querySelector(`.stats[data-for="${el.id}"]`);
    if (line)
      line.textContent = `${el.state} · ${s.messages} msgs · ${s.frames} frames · ${s.lastRenderMs.toFixed(1)} ms/frame`;
  }
}, 500);
