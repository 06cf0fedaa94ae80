/**
 * `GET /metrics`: Prometheus text, or JSON with `?format=json`. It names every token: with private
 * streams it needs the metrics token, or its own port on 127.0.0.1.
 */
import { sameSecret } from '../../access/keys.js';
import type { Engine } from '../../engines/engine.js';
import type { Metrics } from '../../metrics.js';
import { bearerToken, sendJson, sendText } from '../http.js';
import type { RouteHandler } from './route.js';

export interface MetricsRouteParts {
  metrics: Metrics;
  /** For each token's history size, when it can say (`Engine.size`). */
  engine: Engine;
  /** `Authorization: Bearer` this is needed, when set. */
  metricsToken: string | undefined;
  /** True with private streams: without a metrics token, only the metrics port serves. */
  privateStreams: boolean;
  /** True for the metrics port's own server (127.0.0.1 only). */
  onOwnPort: boolean;
}

export function metricsRoute(parts: MetricsRouteParts): RouteHandler {
  const { metrics, engine } = parts;
  const historySize = (token: string) => engine.size?.(token) ?? { messages: 0, bytes: 0 };
  return (req, res, target) => {
    if (parts.metricsToken !== undefined) {
      const presented = bearerToken(req);
      if (presented === undefined || !sameSecret(presented, parts.metricsToken)) {
        metrics.refuse('metrics-token');
        sendText(res, 401, 'metrics need Authorization: Bearer with the metrics token\n', {
          'www-authenticate': 'Bearer',
        });
        return;
      }
    } else if (parts.privateStreams && !parts.onOwnPort) {
      sendText(
        res,
        403,
        'with private streams, /metrics (which names every token) needs --metrics-token or --metrics-port\n',
      );
      return;
    }
    if (target.searchParams.get('format') === 'json') sendJson(res, 200, metrics.toJSON(historySize));
    else
      sendText(res, 200, metrics.toPrometheus(historySize), {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      });
  };
}
