/**
 * `npm start`: the relay, the demo page (Vite) and simulated producers, in one process.
 * Options: --port (relay, default 8080), --page-port (default 5173).
 */
import { parseArgs } from 'node:util';
import { createServer } from 'vite';
import { createRelay } from '../src/relay/index.js';
import { startHttpProducers } from './producers.js';

const { values } = parseArgs({ options: { port: { type: 'string' }, 'page-port': { type: 'string' } } });
const relay = await createRelay({ port: Number(values.port ?? 8080), host: '127.0.0.1' });
const page = await createServer({
  configFile: new URL('../vite.config.ts', import.meta.url).pathname,
  server: { port: Number(values['page-port'] ?? 5173) },
});
await page.listen();
const pageUrl = page.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5173/';
const stopProducers = startHttpProducers(relay.url);

console.log(`
  plotly-stream demo
  page:       ${pageUrl}?relay=${encodeURIComponent(relay.url)}
  dashboard:  ${pageUrl}dashboard.html?relay=${encodeURIComponent(relay.url)}   (twelve charts, one connection)
  relay:      ${relay.url}   (metrics: ${relay.url}/metrics)
  Open the page in two windows: both show the same data. Ctrl-C stops.
`);

let stopping = false;
const stop = async () => {
  if (stopping) process.exit(1);
  stopping = true;
  stopProducers();
  await Promise.all([relay.close(), page.close()]);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
