/** `GET /plotly-stream.js` and `/plotly-stream.no-plotly.js`: the script-tag bundles (http/bundle.ts serves them). */
import type { BundleServer } from '../bundle.js';
import { sendText } from '../http.js';
import type { RouteHandler } from './route.js';

export function bundleRoute(bundles: BundleServer): RouteHandler {
  return (req, res, target) => {
    if (req.method === 'GET' || req.method === 'HEAD') bundles.serve(req, res, target.pathname);
    else sendText(res, 405, 'GET only\n', { allow: 'GET, HEAD' });
  };
}
