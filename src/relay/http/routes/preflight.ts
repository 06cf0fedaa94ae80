/** `OPTIONS` on any path: a CORS preflight. A page that is not allowed gets no CORS headers: its browser stops there. */
import type { RequestGate } from '../../access/request-gate.js';
import { CORS_ALLOW_HEADERS } from '../../constants.js';
import type { RouteHandler } from './route.js';

export function preflightRoute(gate: RequestGate): RouteHandler {
  return (req, res) => {
    res.writeHead(204, {
      ...gate.cors(req),
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': CORS_ALLOW_HEADERS,
      'access-control-max-age': '86400',
    });
    res.end();
  };
}
