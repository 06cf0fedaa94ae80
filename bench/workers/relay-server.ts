/**
 * The relay under test, alone in its process so its CPU and memory are its own.
 * Arguments: the slow-viewer limit in bytes, a Redis URL for the Redis engine (none: memory), a
 * Redis key prefix (each run its own, so no run sees another's history), and the heap's growth as
 * the CLI sets it (default: the CLI's; 0: V8's own rule).
 */
import { createRelay, DEFAULT_HEAP_GROWTH_PERCENT, limitHeapGrowth } from '../../src/relay/index.js';
import { serveRequests, usage } from '../lib/processes.js';

limitHeapGrowth(Number(process.argv[5] || DEFAULT_HEAP_GROWTH_PERCENT));
const relay = await createRelay({
  port: 0,
  historyMessages: 1000,
  maxBufferedBytes: Number(process.argv[2] ?? 4 * 1024 * 1024),
  redis: process.argv[3] || undefined,
  redisPrefix: process.argv[4] || undefined,
  log: () => undefined,
});
serveRequests((message) => {
  if (message['op'] === 'url') return relay.url;
  if (message['op'] === 'usage') return usage();
  if (message['op'] === 'metrics') return relay.metrics.toJSON(() => ({ messages: 0, bytes: 0 }));
  return null;
});
