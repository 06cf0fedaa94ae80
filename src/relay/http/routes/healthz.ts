/** `GET /healthz`: 200 while the engine can store, 503 with the reason while it cannot or the relay shuts down. */
import cluster from 'node:cluster';
import type { Engine } from '../../engines/engine.js';
import { sendJson } from '../http.js';
import type { IsClosing, RouteHandler } from './route.js';

export function healthzRoute(engine: Engine, isClosing: IsClosing): RouteHandler {
  // Under --workers, /healthz says which worker answered.
  const workerId = cluster.isWorker ? { worker: cluster.worker?.id } : {};
  return (_req, res) => {
    const health = engine.health();
    if (isClosing()) sendJson(res, 503, { status: 'closing', engine: health.engine });
    else if (!health.ok) sendJson(res, 503, { status: 'unavailable', engine: health.engine, reason: health.reason });
    else sendJson(res, 200, { status: 'ok', engine: health.engine, ...workerId });
  };
}
