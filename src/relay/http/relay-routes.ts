/**
 * The relay's table of routes: every path it answers, and which route answers it. A new route is a
 * module in routes/ and a line here.
 */
import type { WebSocketServer } from 'ws';
import type { Access } from '../access/access.js';
import type { Engine } from '../engines/engine.js';
import type { RelayLog } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { ResolvedOptions } from '../options.js';
import type { LineWriter } from '../producers/line-writer.js';
import type { Producers } from '../producers/producers.js';
import type { Viewers } from '../viewers/viewers.js';
import { BodyAllowance } from './body.js';
import { BundleServer, defaultBundlePath } from './bundle.js';
import { sendText } from './http.js';
import type { InternalErrors } from './internal-errors.js';
import type { RouterTable } from './router.js';
import { Charts } from '../charts/charts.js';
import { ChartWatchers } from './chart-watchers.js';
import { bundleRoute } from './routes/bundle.js';
import { chartPagesRoute, chartUpgrade } from './routes/chart-pages.js';
import { chartsApiRoute } from './routes/charts-api.js';
import { clientrespRoute } from './routes/clientresp.js';
import { eventStreamRoute } from './routes/event-stream.js';
import { healthzRoute } from './routes/healthz.js';
import { ingestRoute } from './routes/ingest.js';
import { metricsRoute } from './routes/metrics.js';
import { preflightRoute } from './routes/preflight.js';
import type { IsClosing, RouteHandler, UpgradeHandler } from './routes/route.js';
import { webSocketRoute } from './routes/websocket.js';

export interface RelayParts {
  options: ResolvedOptions;
  access: Access;
  engine: Engine;
  metrics: Metrics;
  log: RelayLog;
  errors: InternalErrors;
  producers: Producers;
  lines: LineWriter;
  viewers: Viewers;
  isClosing: IsClosing;
}

export const NOT_FOUND = 'not found: POST / to ingest, GET /subscribe to watch, GET /plotly-stream.js for the element';

/** The ports the relay got (known once it listens): `/metrics`'s own, and the plain HTTP one. */
export interface RelayPorts {
  metrics(): number;
  plain(): number | null;
}

/**
 * The routes, the WebSocket server the upgrades use, and `/metrics` as served on its own port. With
 * `metricsPort`, the main port's `/metrics` says where they are.
 */
export function relayRoutes(
  parts: RelayParts,
  ports: RelayPorts,
): { table: Omit<RouterTable, 'admitStream'>; wss: WebSocketServer; metricsOnOwnPort: RouteHandler } {
  const { options: o, access, engine, metrics, isClosing } = parts;
  const bundles = bundleRoute(new BundleServer(o.bundlePath ?? defaultBundlePath(), '*'));
  const websocket = webSocketRoute({ ...parts, gate: access.gate, maxTokens: o.maxTokensPerSubscription });
  const charts = engine.charts === undefined ? null : new Charts(engine.charts);
  // One allowance for the bodies of every request that sends one.
  const bodies = new BodyAllowance();
  const noCharts: RouteHandler = (_req, res) => sendText(res, 501, "this relay's engine keeps no charts\n");
  const chartsApi: RouteHandler =
    charts === null
      ? noCharts
      : chartsApiRoute({
          gate: access.gate,
          ...parts,
          charts,
          keys: access.keys,
          idleTimeoutMs: o.idleTimeoutMs,
          bodies,
        });
  const chartPagesParts =
    charts === null
      ? null
      : {
          ...parts,
          charts,
          watchers: new ChartWatchers(charts, metrics, parts.log),
          gate: access.gate,
          wss: websocket.wss,
        };
  const metricsParts = {
    metrics,
    engine,
    metricsToken: o.metricsToken,
    privateStreams: access.readAccess !== null,
  };
  const table = {
    routes: {
      '/': ingestRoute({ ...parts, gate: access.gate, keys: access.keys, options: o }),
      '/subscribe': eventStreamRoute({ ...parts, gate: access.gate }),
      '/plotly-stream.js': bundles,
      '/plotly-stream.no-plotly.js': bundles,
      '/healthz': healthzRoute(engine, isClosing),
      '/api/charts': chartsApi,
      '/clientresp':
        charts === null
          ? noCharts
          : clientrespRoute({
              ...parts,
              charts,
              gate: access.gate,
              keys: access.keys,
              plainPort: ports.plain,
              idleTimeoutMs: o.idleTimeoutMs,
              bodies,
            }),
      '/metrics':
        o.metricsPort === undefined
          ? metricsRoute({ ...metricsParts, onOwnPort: false })
          : (((_req, res) => sendText(res, 404, `metrics are served on port ${ports.metrics()}\n`)) as RouteHandler),
    },
    prefixes: [
      ['/api/charts/', chartsApi],
      ['/charts/', chartPagesParts === null ? noCharts : chartPagesRoute(chartPagesParts)],
    ] as Array<[string, RouteHandler]>,
    upgradePrefixes:
      chartPagesParts === null
        ? []
        : ([['/charts/', chartUpgrade(chartPagesParts)]] as Array<[string, UpgradeHandler]>),
    preflight: preflightRoute(access.gate),
    upgrades: { '/subscribe': websocket.upgrade },
    notFound: NOT_FOUND,
  };
  return { table, wss: websocket.wss, metricsOnOwnPort: metricsRoute({ ...metricsParts, onOwnPort: true }) };
}
