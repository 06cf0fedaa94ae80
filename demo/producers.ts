/**
 * Simulated producers the Plotly way: one chunked HTTP POST per token, one JSON line per message,
 * a newline as heartbeat, reopened when the relay ends it (as chart_studio's Stream does).
 */
import http from 'node:http';
import { startDashboardProducers, startProducers } from './simulate.js';

export function startHttpProducers(relayUrl: string, log: (line: string) => void = console.log): () => void {
  const streams = new Map<string, http.ClientRequest>();
  let stopped = false;

  const open = (token: string): http.ClientRequest => {
    const request = http.request(`${relayUrl}/`, {
      method: 'POST',
      headers: { 'plotly-streamtoken': token, 'transfer-encoding': 'chunked', 'content-type': 'application/x-ndjson' },
    });
    request.on('response', (response) => {
      let body = '';
      response.on('data', (c: Buffer) => (body += c));
      response.on('end', () => {
        if (!stopped) log(`producer ${token}: relay answered ${response.statusCode} ${body.trim()}; reopening`);
      });
    });
    request.on('error', (error) => {
      if (!stopped) log(`producer ${token}: ${error.message}; reopening`);
    });
    request.on('close', () => {
      if (streams.get(token) === request) streams.delete(token);
    });
    request.flushHeaders();
    streams.set(token, request);
    return request;
  };

  const send = (token: string, message: Record<string, unknown>) => {
    const stream = streams.get(token) ?? open(token);
    stream.write(`${JSON.stringify(message)}\n`);
  };
  const stopDemo = startProducers(send);
  const stopDashboard = startDashboardProducers(send);
  const stop = () => {
    stopDemo();
    stopDashboard();
  };
  const heartbeat = setInterval(() => {
    for (const stream of streams.values()) stream.write('\n');
  }, 20_000);

  return () => {
    stopped = true;
    stop();
    clearInterval(heartbeat);
    for (const stream of streams.values()) stream.end();
  };
}
