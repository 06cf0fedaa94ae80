/**
 * The demo's simulated producers, each a Node producer (`plotly-stream/producer`): one chunked POST
 * per token, heartbeats in silences, and a new POST with backoff when the relay ends one.
 */
import { createProducer, type Producer } from '../src/producer/index.js';
import { startDashboardProducers, startProducers } from './simulate.js';

export function startHttpProducers(relayUrl: string, log: (line: string) => void = console.log): () => void {
  const producers = new Map<string, Producer>();
  let stopped = false;

  const producerOf = (token: string): Producer => {
    let producer = producers.get(token);
    if (producer !== undefined) return producer;
    producer = createProducer(`${relayUrl}/`, token);
    producer.on('reconnect', ({ reason }) => {
      if (!stopped) log(`producer ${token}: ${reason}; reopening`);
    });
    producer.on('refused', (error) => log(`producer ${token}: ${error.message}`));
    producers.set(token, producer);
    return producer;
  };

  const send = (token: string, message: Record<string, unknown>) => {
    try {
      producerOf(token).write(message);
    } catch (error) {
      if (!stopped) log(`producer ${token}: ${(error as Error).message}`);
    }
  };
  const stopDemo = startProducers(send);
  const stopDashboard = startDashboardProducers(send);

  return () => {
    stopped = true;
    stopDemo();
    stopDashboard();
    for (const producer of producers.values()) void producer.close().catch(() => undefined);
  };
}
