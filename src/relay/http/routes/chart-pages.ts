/**
 * `/charts/:id`: a hosted chart's page (the chart filling it, its title, the live badge, nothing to
 * install), `/charts/:id/embed` (the same without page chrome, sized by its iframe), and the
 * chart's subscription, `/charts/:id/subscribe` (SSE here; WebSocket by `chartUpgrade`), which its
 * element connects to by the names of the chart's tokens: no page, embed or event ever holds a
 * stream token. A private chart needs its share key (`?share_key=` on the page, the element's
 * `access-token` on the subscription) or, on a relay with private streams, a read token covering
 * every token it streams (`?access_token=`); without either, 403 with a page that says why.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocketServer, WebSocket } from 'ws';
import { CloseCode, parseSubscribeRequest, SubscribeParam } from '../../../shared/protocol.js';
import { presentedReadToken, type RequestGate } from '../../access/request-gate.js';
import { passOf } from '../chart-pass.js';
import { CHART_ID_PATTERN } from '../../charts/chart-keys.js';
import { chartRequest, PRIVATE_CHART, type ChartPass } from '../../charts/chart-viewers.js';
import { chartNames, viewerFigure, type Charts } from '../../charts/charts.js';
import { SHUTDOWN_RETRY_AFTER_S } from '../../constants.js';
import type { StoredChart } from '../../engines/chart-store.js';
import type { FrameSink } from '../../viewers/frame-sink.js';
import type { Viewers } from '../../viewers/viewers.js';
import { closeReason, headerValue, rawResponse, sendText, type RequestTarget } from '../http.js';
import type { ChartWatchers } from '../chart-watchers.js';
import type { InternalErrors } from '../internal-errors.js';
import { openEventStream } from '../sinks/sse.js';
import { webSocketSink } from '../sinks/websocket.js';
import type { IsClosing, RouteHandler, UpgradeHandler } from './route.js';

export interface ChartPagesParts {
  charts: Charts;
  /** Each chart's viewers, told of its edits. */
  watchers: ChartWatchers;
  gate: RequestGate;
  viewers: Viewers;
  errors: InternalErrors;
  isClosing: IsClosing;
  /** The WebSocket server of the relay's upgrades. */
  wss: WebSocketServer;
}

/** `/charts/<id>`, `/charts/<id>/embed`, `/charts/<id>/subscribe`. */
const CHART_PATH = /^\/charts\/([^/]+)(\/embed|\/subscribe)?$/;

export function chartPagesRoute(parts: ChartPagesParts): RouteHandler {
  return (req, res, target) => {
    const match = CHART_PATH.exec(target.pathname);
    const id = match?.[1];
    if (match === null || id === undefined || !CHART_ID_PATTERN.test(id)) {
      sendText(res, 404, 'no such chart\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'GET only\n', { allow: 'GET, HEAD' });
      return;
    }
    const part = match[2];
    if (part !== '/subscribe') {
      // A page costs a read (and a parse) of the chart: held to the client's subscribe rate, as its subscription is.
      const wait = parts.gate.checkSubscribeRate(req);
      if (wait > 0) {
        sendText(res, 429, 'too many requests from your address\n', { 'retry-after': String(wait) });
        return;
      }
    }
    parts.charts
      .get(id)
      .then((chart) => {
        if (part === '/subscribe') return subscribeByEvents(req, res, target, chart, parts);
        return page(req, res, target, chart, part === '/embed', parts.gate);
      })
      .catch((error: unknown) => parts.errors.report(`chart ${id}`, error, res));
  };
}

/** The WebSocket subscription of a chart's viewers. */
export function chartUpgrade(parts: ChartPagesParts): UpgradeHandler {
  return (req, socket, head, target) => {
    const match = CHART_PATH.exec(target.pathname);
    const id = match?.[1];
    if (match === null || match[2] !== '/subscribe' || id === undefined || !CHART_ID_PATTERN.test(id)) {
      socket.end(rawResponse('404 Not Found'));
      return;
    }
    if (parts.isClosing()) {
      socket.end(rawResponse('503 Service Unavailable'));
      return;
    }
    const refused = refusal(req, parts.gate);
    if (refused !== null) {
      socket.end(rawResponse(refused.status, `${refused.text}\n`, 'text/plain; charset=utf-8', refused.headers));
      return;
    }
    parts.charts
      .get(id)
      .then((chart) => {
        if (socket.destroyed) return;
        if (chart === null) {
          socket.end(rawResponse('404 Not Found', 'no such chart\n'));
          return;
        }
        return passOf(req, target, chart, target.searchParams.get(SubscribeParam.accessToken), parts.gate).then(
          (pass) => {
            if (socket.destroyed) return;
            parts.wss.handleUpgrade(req, socket, head, (ws) => watchByWebSocket(ws, req, target, chart, pass, parts));
          },
        );
      })
      .catch((error: unknown) => parts.errors.report(`chart ${id} subscription`, error, socket as Socket));
  };
}

function watchByWebSocket(
  ws: WebSocket,
  req: IncomingMessage,
  target: RequestTarget,
  chart: StoredChart,
  pass: ChartPass | null,
  parts: ChartPagesParts,
): void {
  if (pass === null) {
    ws.close(CloseCode.forbidden, closeReason(PRIVATE_CHART));
    return;
  }
  const end = watch('websocket', webSocketSink(ws), req, target, chart, pass, parts);
  ws.on('close', end);
  ws.on('error', end);
}

async function subscribeByEvents(
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget,
  chart: StoredChart | null,
  parts: ChartPagesParts,
): Promise<void> {
  if (res.destroyed) return;
  const cors = parts.gate.cors(req);
  if (!String(req.headers.accept ?? '').includes('text/event-stream')) {
    sendText(res, 426, 'subscribe with a WebSocket upgrade, or with Accept: text/event-stream\n', {
      upgrade: 'websocket',
    });
    return;
  }
  const refused = refusal(req, parts.gate);
  if (refused !== null) {
    sendText(res, Number.parseInt(refused.status, 10), `${refused.text}\n`, { ...cors, ...refused.headers });
    return;
  }
  if (chart === null) {
    sendText(res, 404, 'no such chart\n', cors);
    return;
  }
  const pass = await passOf(req, target, chart, target.searchParams.get(SubscribeParam.accessToken), parts.gate);
  if (res.destroyed) return;
  if (pass === null) {
    res
      .writeHead(403, { ...cors, 'content-type': 'application/json' })
      .end(`${JSON.stringify({ error: 'forbidden', reason: PRIVATE_CHART })}\n`);
    return;
  }
  if (parts.isClosing()) {
    sendText(res, 503, 'the relay is shutting down\n', { ...cors, 'retry-after': String(SHUTDOWN_RETRY_AFTER_S) });
    return;
  }
  const end = watch('sse', openEventStream(res, cors), req, target, chart, pass, parts);
  res.on('close', end);
  res.on('error', end);
}

/** A viewer of a chart on its sink: subscribed by the names it asks for, told of each edit; returns what ends it. */
function watch(
  kind: 'websocket' | 'sse',
  sink: FrameSink,
  req: IncomingMessage,
  target: RequestTarget,
  chart: StoredChart,
  pass: ChartPass,
  parts: ChartPagesParts,
): () => void {
  const names = chartNames(chart);
  const request = parseSubscribeRequest(target.searchParams, headerValue(req, 'last-event-id'));
  const asked = parts.viewers.ask(chartRequest(request, names));
  // A read token's viewer is ended when the token expires, as on /subscribe.
  const grant = 'grant' in pass ? pass.grant : null;
  const { subscription, done } = parts.viewers.subscribe(kind, sink, asked, grant, { names, control: false });
  const unwatch = parts.watchers.watch(chart, subscription, names, pass);
  return () => {
    unwatch();
    done();
  };
}

/** The page's origin and the subscribe rate, as for any subscription; null when it may go on. */
function refusal(
  req: IncomingMessage,
  gate: RequestGate,
): { status: string; text: string; headers: Record<string, string> } | null {
  const badOrigin = gate.checkOrigin(req, 'chart subscription');
  if (badOrigin !== null) return { status: '403 Forbidden', text: badOrigin, headers: {} };
  const wait = gate.checkSubscribeRate(req);
  if (wait > 0)
    return {
      status: '429 Too Many Requests',
      text: 'too many subscribe requests from your address',
      headers: { 'retry-after': String(wait) },
    };
  return null;
}

/** The page (or the embed) of a chart, or why there is none. */
async function page(
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget,
  chart: StoredChart | null,
  embed: boolean,
  gate: RequestGate,
): Promise<void> {
  if (res.destroyed) return;
  if (chart === null) {
    html(res, 404, 'No such chart', '<p>There is no chart at this address: it was deleted, or the link is wrong.</p>');
    return;
  }
  const pass = await passOf(req, target, chart, target.searchParams.get('share_key'), gate);
  if (res.destroyed) return;
  if (pass === null) {
    html(
      res,
      403,
      'A private chart',
      `<p>${escapeHtml(PRIVATE_CHART[0]?.toUpperCase() + PRIVATE_CHART.slice(1))}.</p>`,
    );
    return;
  }
  const figure = viewerFigure(chart);
  const title = titleOf(figure.layout) ?? 'A live chart';
  // The element subscribes with what let the page in: the share key, or the read token.
  const credential = chart.worldReadable
    ? null
    : 'grant' in pass
      ? (presentedReadToken(req, target) ?? null)
      : pass.shareKey;
  const element = `<plotly-stream src="/charts/${chart.id}"${credential === null ? '' : ` access-token="${escapeHtml(credential)}"`}><script type="application/json">${jsonInHtml(figure)}</script></plotly-stream>`;
  html(res, 200, title, embed ? element : `<header><h1>${escapeHtml(title)}</h1></header>${element}`, embed);
}

function html(res: ServerResponse, status: number, title: string, body: string, embed = false): void {
  const text = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>html,body{margin:0;height:100%}body{display:flex;flex-direction:column;font:14px/1.4 system-ui,sans-serif;color:#222}header{padding:8px 16px 0}h1{font-size:18px;font-weight:600;margin:0}p{padding:16px}plotly-stream{flex:1;min-height:0${embed ? '' : ';margin:8px'}}</style>
<script src="/plotly-stream.js"></script>
</head>
<body>${body}</body>
</html>
`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    // The page runs the relay's own script and nothing else; Plotly adds its styles inline.
    'content-security-policy':
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data: blob:; font-src 'self' data:",
    'referrer-policy': 'no-referrer',
  });
  res.end(text);
}

function titleOf(layout: Record<string, unknown>): string | null {
  const title = layout['title'];
  if (typeof title === 'string') return title;
  if (typeof title === 'object' && title !== null && typeof (title as { text?: unknown }).text === 'string')
    return (title as { text: string }).text;
  return null;
}

/** JSON inside a `<script>` element: no `<` that could close it or open a comment. */
function jsonInHtml(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
