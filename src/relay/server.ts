/**
 * `createRelay`: the relay assembled from its parts, and nothing else. Who may do what (access/),
 * where messages live (engines/), producers' lines in (producers/), viewers out (viewers/), the
 * routes and the listening socket (http/), and the order of shutdown (lifecycle.ts).
 */
import type { Server } from 'node:http';
import { CloseCode } from '../shared/protocol.js';
import { createAccess } from './access/access.js';
import { isLoopback } from './access/client-limits.js';
import { RateLimiter } from './access/rate-limit.js';
import type { Engine } from './engines/engine.js';
import { openEngine } from './engines/open-engine.js';
import { InternalErrors } from './http/internal-errors.js';
import { Listener, listenForMetrics } from './http/listener.js';
import { malformedRequests } from './http/malformed.js';
import { relayRoutes } from './http/relay-routes.js';
import { Router } from './http/router.js';
import { Lifecycle } from './lifecycle.js';
import { RelayLog } from './log.js';
import { Metrics } from './metrics.js';
import { historyLimits, resolveOptions, type RelayOptions } from './options.js';
import { LineWriter } from './producers/line-writer.js';
import { MqttBridge } from './producers/mqtt-bridge.js';
import { Producers } from './producers/producers.js';
import { Fanout } from './viewers/fanout.js';
import { Viewers } from './viewers/viewers.js';

export type { RelayOptions } from './options.js';

export interface Relay {
  /** `http://host:port` (`https://` with `tls`) */
  readonly url: string;
  readonly port: number;
  /** With `tls` and `plainPort`: `http://host:port` of the plain HTTP port, else null. */
  readonly plainUrl: string | null;
  readonly server: Server;
  /** `http://127.0.0.1:port` of `/metrics` when `metricsPort` is set, else null. */
  readonly metricsUrl: string | null;
  readonly engine: Engine;
  readonly metrics: Metrics;
  /** The MQTT bridge when `mqtt` was given (`ready()` resolves once it is subscribed). */
  mqtt: MqttBridge | null;
  /** Ends ingests (503, summary), closes subscribers (1001 / an SSE error event), stops listening. */
  close(): Promise<void>;
}

const SHUTTING_DOWN = 'the relay is shutting down';

export async function createRelay(options: RelayOptions = {}): Promise<Relay> {
  const o = resolveOptions(options);
  if (o.plainPort !== undefined && o.tls === undefined)
    throw new Error('plainPort goes with tls (without TLS, port is plain already)');
  const log = new RelayLog(o.log ?? ((line: string) => console.error(`plotly-stream-relay: ${line}`)));
  const metrics = new Metrics();
  // Everything that can refuse to start is checked before anything is opened.
  const access = createAccess(o, metrics, log);
  const { engine, owned } = await openEngine({
    ...o,
    limits: historyLimits(o),
    log: (line) => log.line('lifecycle', line),
  });
  const errors = new InternalErrors(metrics, log);
  const lifecycle = new Lifecycle();
  const viewers = new Viewers(new Fanout(engine), metrics, log, o, errors.report);
  const producers = new Producers(engine, {
    maxTotalLineBytes: o.maxTotalLineBytes,
    onCut: () => metrics.refuse('line-budget'),
  });
  metrics.budgets = { outgoing: viewers.budget, lines: producers.lineBudget };
  const limiter = new RateLimiter(o.rateLimit);
  // Every producer's lines (HTTP ingests, MQTT devices) reach the engine one way.
  const lines = new LineWriter(engine, limiter, metrics);
  const parts = { options: o, access, engine, metrics, log, errors, producers, lines, viewers };
  let metricsServer: { server: Server; port: number } | null = null;
  let plainPort: number | null = null;
  const routes = relayRoutes(
    { ...parts, isClosing: lifecycle.isClosing },
    { metrics: () => metricsServer?.port ?? 0, plain: () => plainPort },
  );
  const listener = new Listener(o, access.clients, log, metrics, errors);
  const router = new Router(
    { ...routes.table, admitStream: (stream, address) => listener.guard.admitStream(stream, address) },
    errors,
  );
  lifecycle.every(
    o.heartbeatMs,
    () => {
      viewers.heartbeat();
      access.clients.sweep();
      limiter.sweep();
    },
    (error) => errors.report('heartbeat', error),
  );
  try {
    const { address, plain } = await listener.listen({
      request: router.request,
      upgrade: router.upgrade,
      clientError: malformedRequests(producers, metrics, log),
    });
    plainPort = plain?.port ?? null;
    if (o.metricsPort !== undefined) {
      const own = new Router(
        { routes: { '/metrics': routes.metricsOnOwnPort }, upgrades: {}, notFound: 'only /metrics here' },
        errors,
      );
      metricsServer = await listenForMetrics(o.metricsPort, own.request);
    }
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    access.origins.addOwnAddress(host, address.port);
    if (plain !== null) access.origins.addOwnAddress(host, plain.port);
    if (!isLoopback(address.address) && (access.keys === null || access.keys.size === 0))
      log.line(
        'lifecycle',
        `warning: listening on ${host}:${address.port} without write keys: anyone who can reach it can write to any token and take it over from its producer (--keys)`,
      );
    const mqtt = o.mqtt == null ? null : new MqttBridge({ ...o.mqtt, maxLineBytes: o.maxLineBytes }, lines, log);
    lifecycle.onClose(async () => await mqtt?.close());
    lifecycle.onClose(() =>
      listener.close(() => {
        producers.finishAll(503, SHUTTING_DOWN);
        viewers.closeAll(CloseCode.goingAway, SHUTTING_DOWN);
        metricsServer?.server.close();
        metricsServer?.server.closeAllConnections();
      }),
    );
    lifecycle.onClose(() => routes.wss.close());
    lifecycle.onClose(() => log.flush());
    lifecycle.onClose(() => engine.close());
    return {
      url: `${o.tls !== undefined ? 'https' : 'http'}://${host}:${address.port}`,
      port: address.port,
      plainUrl: plain === null ? null : `http://${host}:${plain.port}`,
      server: listener.server,
      metricsUrl: metricsServer === null ? null : `http://127.0.0.1:${metricsServer.port}`,
      engine,
      metrics,
      mqtt,
      close: () => lifecycle.close(),
    };
  } catch (error) {
    await lifecycle.close();
    listener.guard.close();
    listener.server.close();
    // An engine this call made (Redis connections) must not keep the process alive.
    if (owned) await engine.close();
    throw error;
  }
}
