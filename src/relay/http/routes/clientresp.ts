/**
 * `POST /clientresp`: Plotly's v1 plot call, as its clients send it (npm `plotly`'s `plot()`,
 * chart_studio's `py.plot`): a form of `un`, `key`, `origin`, `platform`, `version`, `args` and
 * `kwargs`. It makes or edits a hosted chart (`plotly-files.ts`) and answers what Plotly's clients
 * read, always as JSON of the same fields: `{url, "stream-host", "stream-status", filename,
 * message, warning, error}`, `error` empty on success and the reason otherwise. `un` is not
 * checked (the relay has no accounts); `key` is checked against the write keys when the relay has
 * them (the chart's owner is that key), else the chart's owner is the client's address.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { chartKeyRefusal, presentedKey } from '../../access/keys.js';
import { streamTokens } from '../../charts/chart-figure.js';
import { chartOwner } from '../../charts/chart-keys.js';
import { chartLinks } from '../../charts/charts.js';
import { readPlotCall } from '../../charts/plot-call.js';
import { plotFile } from '../../charts/plotly-files.js';
import { readBody } from '../body.js';
import { headerValue, requestOrigin, sendJson } from '../http.js';
import { parsePlotlyForm } from '../plotly-form.js';
import { storeRefusal, type ChartsApiParts } from './charts-api.js';
import type { RouteHandler } from './route.js';

/** What `/api/charts` takes, and where the streams go. */
export interface ClientrespParts extends ChartsApiParts {
  /** The plain HTTP port beside the TLS one, or null: where `stream-host` points. */
  plainPort: () => number | null;
}

/** What Plotly's clients read from the answer; every answer has each field. */
export interface PlotlyAnswer {
  url: string;
  'stream-host': string;
  'stream-status': string;
  filename: string;
  message: string;
  warning: string;
  error: string;
}

/** What Plotly's stream server answered when a plot's streams were ready (npm plotly reads `stream-host` only then). */
export const STREAMS_GO = 'All Streams Go!';

export function clientrespRoute(parts: ClientrespParts): RouteHandler {
  return (req, res) => {
    if (req.method !== 'POST') return fail(res, 405, 'POST the plot call to /clientresp', { allow: 'POST' });
    const wait = parts.gate.checkSubscribeRate(req);
    if (wait > 0) return fail(res, 429, 'too many requests from your address', { 'retry-after': String(wait) });
    const type = headerValue(req, 'content-type') ?? 'application/x-www-form-urlencoded';
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type))
      return fail(res, 415, 'the plot call is a form: Content-Type: application/x-www-form-urlencoded');
    plot(req, res, parts).catch((error: unknown) => {
      parts.errors.report('clientresp', error);
      fail(res, 500, 'the relay failed to plot this; it is logged');
    });
  };
}

async function plot(req: IncomingMessage, res: ServerResponse, parts: ClientrespParts): Promise<void> {
  // A figure percent-encoded (chart_studio encodes each byte it may) takes up to three times its
  // size, and the other fields are short.
  const body = await readBody(req, res, {
    maxBytes: parts.charts.store.limits.maxFigureBytes * 3 + 64 * 1024,
    idleMs: parts.idleTimeoutMs,
    allowance: parts.bodies,
    answer: (status, error) => [status, answer({ error })],
  });
  if (body === null) return;
  const form = parsePlotlyForm(body);
  if ('error' in form) return fail(res, 400, `the form: ${form.error}`);
  const call = readPlotCall(form.fields);
  if ('error' in call) return fail(res, 400, call.error);
  const key = form.fields['key'] ?? presentedKey(req);
  const refused = chartKeyRefusal(parts.keys, streamTokens(call.figure) as string[], key);
  if (refused !== null) return fail(res, 401, `${refused} (the key field of the call)`);
  const owner = chartOwner(parts.keys, key, req.socket.remoteAddress);
  const plotted = await plotFile(parts.charts, call, owner);
  if (typeof plotted === 'string') {
    const [status, reason] =
      plotted === 'conflict'
        ? [409, 'others kept editing this chart meanwhile; try again']
        : storeRefusal(plotted, parts.charts.store.limits);
    parts.metrics.refuse(`chart-${plotted}`);
    return fail(res, status, reason);
  }
  if ('error' in plotted) return fail(res, 400, plotted.error);
  const origin = requestOrigin(req);
  if (plotted.editKey !== null) parts.log.line('lifecycle', `chart ${plotted.chart.id} made by ${owner} (clientresp)`);
  // Plotly's Arduino libraries read the answer until the connection closes.
  sendJson(
    res,
    200,
    answer({
      url: chartLinks(origin, plotted.chart).url,
      'stream-host': streamHost(origin, parts.plainPort()),
      'stream-status': STREAMS_GO,
      filename: plotted.filename ?? '',
      warning: plotted.warning,
    }),
    { connection: 'close' },
  );
}

/**
 * Where the call's streams go: the plain HTTP port when the relay has one beside TLS (npm plotly's
 * `stream()` speaks plain HTTP only, to this host's name), else this port.
 */
function streamHost(origin: string, plainPort: number | null): string {
  if (plainPort === null) return origin;
  const { hostname } = new URL(origin);
  return `http://${hostname}${plainPort === 80 ? '' : `:${plainPort}`}`;
}

function answer(fields: Partial<PlotlyAnswer>): PlotlyAnswer {
  return {
    url: '',
    'stream-host': '',
    'stream-status': '',
    filename: '',
    message: '',
    warning: '',
    error: '',
    ...fields,
  };
}

function fail(res: ServerResponse, status: number, error: string, headers: Record<string, string> = {}): void {
  if (!res.headersSent) sendJson(res, status, answer({ error }), { connection: 'close', ...headers });
}
