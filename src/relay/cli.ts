#!/usr/bin/env node
/**
 * `plotly-stream-relay`: the relay from the command line (flags read in cli-flags.ts, `sign-read-token`
 * in cli-sign.ts): one relay in this process, or `--workers` relays on one port behind a primary.
 */
import cluster from 'node:cluster';
import { fail, HELP, parseFlags, version } from './cli-flags.js';
import { signCommand } from './cli-sign.js';
import { openEngine } from './engines/open-engine.js';
import { redactRedisUrl } from './engines/redis-engine.js';
import { limitHeapGrowth } from './heap-growth.js';
import { createRelay } from './server.js';
import { runPrimary, type WorkerListening } from './workers.js';

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'sign-read-token') return signCommand(argv.slice(1));
  const flags = parseFlags(argv);
  if (flags.kind === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (flags.kind === 'version') {
    process.stdout.write(`${version()}\n`);
    return;
  }
  const { options, workers, quiet, writeKeyTokens, heapGrowthPercent } = flags;
  // Before the relay allocates anything; each worker process reads its own flags and sets its own.
  limitHeapGrowth(heapGrowthPercent);
  const banner = (url: string, plainUrl: string | null) => {
    if (quiet) return;
    console.error(`plotly-stream-relay listening on ${url}`);
    if (plainUrl !== null)
      console.error(`  plain:     ${plainUrl} too, without TLS (npm plotly's stream(), Arduino boards)`);
    console.error(
      `  ingest:    curl -H 'plotly-streamtoken: TOKEN' -H 'Transfer-Encoding: chunked' --data-binary @- ${url}/`,
    );
    console.error(`  subscribe: ${url.replace('http', 'ws')}/subscribe?token=TOKEN (or SSE)`);
    console.error(`  element:   <script src="${url}/plotly-stream.js"></script>`);
    if (writeKeyTokens.length > 0) console.error(`  write keys: required for ${writeKeyTokens.join(', ')}`);
    if (options.readSecret !== undefined || options.readPublicKey !== undefined)
      console.error(`  reading:   private (viewers need a read token; sign-read-token makes one)`);
    const pages = [...(options.allowOrigin ?? [])].join(', ');
    console.error(`  pages:     loopback and this relay's own${pages === '' ? '' : `, ${pages}`} (--allow-origin)`);
    const engine = options.redis !== undefined ? `Redis (${redactRedisUrl(options.redis)})` : 'memory';
    console.error(`  engine:    ${engine}${workers > 1 ? `, ${workers} workers` : ''}`);
  };

  if (workers > 1 && cluster.isPrimary) {
    // Open the engine once here: the workers must be able to share it (a wrong Redis URL is one
    // line, not one per worker).
    let probe;
    try {
      probe = await openEngine({
        redis: options.redis,
        redisPrefix: options.redisPrefix,
        limits: { messages: 1, bytes: 1 },
      });
    } catch (error) {
      fail((error as Error).message, { usage: false });
    }
    await probe.engine.close();
    if (!probe.engine.shared)
      fail('--workers needs --redis (or PLOTLY_STREAM_REDIS): the workers share tokens through it');
    runPrimary({ count: workers, onListening: banner, log: (line) => console.error(`plotly-stream-relay: ${line}`) });
    return;
  }

  let relay;
  try {
    relay = await createRelay(options);
  } catch (error) {
    fail((error as Error).message, { usage: false });
  }
  if (cluster.isWorker)
    process.send?.({
      type: 'plotly-stream-listening',
      url: relay.url,
      plainUrl: relay.plainUrl,
    } satisfies WorkerListening);
  else banner(relay.url, relay.plainUrl);
  const name = cluster.isWorker ? `plotly-stream-relay (worker ${cluster.worker?.id})` : 'plotly-stream-relay';
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A worker may hear both the terminal's signal and its primary's: the first one counts.
      if (cluster.isWorker) return;
      process.exit(1); // a second signal: do not wait
    }
    stopping = true;
    console.error(`${name}: ${signal}, closing`);
    relay.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main(process.argv.slice(2));
