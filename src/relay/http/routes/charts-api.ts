/**
 * `/api/charts`: hosted charts by JSON. `POST /api/charts` with a figure (`{data, layout, config}`,
 * traces naming their stream tokens; `worldReadable: false` for a private chart) answers 201
 * `{id, url, embedUrl, editKey}` (and `shareKey` for a private chart); `GET /api/charts/:id` the
 * chart as its viewers see it (no stream token; with its edit key, as stored); `PATCH` an edit
 * (`layout`, `config`, `data`: trace styles, or `figure`: a new one; `worldReadable`); `DELETE`.
 * Making a chart on a relay with write keys needs the key of every token it names; an edit or a
 * deletion needs the chart's edit key (`Authorization: Bearer`), or, with write keys, the key of
 * every token it names.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isMessageObject, parseJson, textNestsDeeperThan } from '../../../shared/messages.js';
import { chartKeyRefusal, checkWriteKey, presentedKey, type WriteKeys } from '../../access/keys.js';
import { CHART_ID_PATTERN, chartOwner, matchesHash } from '../../charts/chart-keys.js';
import { editFigure, readFigure, streamTokens } from '../../charts/chart-figure.js';
import { chartLinks, chartNames, figureOf, viewerFigure, type Charts } from '../../charts/charts.js';
import type { ChartLimits, ChartRefusal, StoredChart } from '../../engines/chart-store.js';
import type { RelayLog } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { readBody, type BodyAllowance } from '../body.js';
import { bearerToken, requestOrigin, sendJson, type RequestTarget } from '../http.js';
import { passOf } from '../chart-pass.js';
import type { InternalErrors } from '../internal-errors.js';
import type { RequestGate } from '../../access/request-gate.js';
import type { RouteHandler } from './route.js';

export interface ChartsApiParts {
  charts: Charts;
  /** Each request is held to the client's subscribe rate (it reads, parses or writes a chart). */
  gate: RequestGate;
  errors: InternalErrors;
  /** Write keys by token, or null when ingest is open. */
  keys: WriteKeys | null;
  metrics: Metrics;
  log: RelayLog;
  /** No byte of a body for this long: 408. */
  idleTimeoutMs: number;
  /** What the bodies of all requests together may hold. */
  bodies: BodyAllowance;
}

/** Why each refusal of the store is refused, to the client. */
const REFUSALS: Record<ChartRefusal, [status: number, reason: (limit: string) => string]> = {
  'too-big': [413, (limit) => `the figure is longer than ${limit} bytes`],
  'owner-full': [429, (limit) => `you keep ${limit} charts, the most one owner may: delete one first`],
  full: [507, (limit) => `the relay keeps ${limit}, the most it may`],
  'name-taken': [409, () => 'you have a chart by this name already'],
  exists: [500, () => 'no free chart id was found; try again'],
};

export function chartsApiRoute(parts: ChartsApiParts): RouteHandler {
  return (req, res, target) => {
    const wait = parts.gate.checkSubscribeRate(req);
    if (wait > 0) {
      sendJson(
        res,
        429,
        { error: 'rate', reason: 'too many requests from your address' },
        { 'retry-after': String(wait) },
      );
      return;
    }
    const id = target.pathname === '/api/charts' ? null : target.pathname.slice('/api/charts/'.length);
    if (id === null) {
      if (req.method === 'POST')
        create(req, res, parts).catch((error: unknown) => parts.errors.report('chart create', error, res));
      else sendJson(res, 405, { error: 'method', reason: 'POST a figure to /api/charts' }, { allow: 'POST' });
      return;
    }
    if (!CHART_ID_PATTERN.test(id)) {
      sendJson(res, 404, { error: 'not-found', reason: 'no such chart' });
      return;
    }
    one(req, res, parts, id, target).catch((error: unknown) => parts.errors.report(`chart ${id}`, error, res));
  };
}

async function create(req: IncomingMessage, res: ServerResponse, parts: ChartsApiParts): Promise<void> {
  const body = await readJson(req, res, parts);
  if (body === null) return;
  const figure = readFigure(body);
  if ('error' in figure) return refuse(res, 400, 'bad-figure', figure.error);
  const worldReadable = body['worldReadable'] ?? body['world_readable'] ?? true;
  if (typeof worldReadable !== 'boolean')
    return refuse(res, 400, 'bad-figure', '"worldReadable" must be true or false');
  const owner = chartOwner(parts.keys, presentedKey(req), req.socket.remoteAddress);
  const refused = chartKeyRefusal(parts.keys, streamTokens(figure) as string[], presentedKey(req));
  if (refused !== null)
    return refuse(res, 401, 'unauthorized', `${refused} (Authorization: Bearer)`, { 'www-authenticate': 'Bearer' });
  const made = await parts.charts.create(figure, owner, worldReadable);
  if (typeof made === 'string') return refuseStored(res, parts, made);
  const links = chartLinks(requestOrigin(req), made.chart);
  parts.log.line('lifecycle', `chart ${made.chart.id} made by ${owner}`);
  sendJson(res, 201, { id: made.chart.id, ...links, editKey: made.editKey, ...shareKeyOf(made.chart) });
}

async function one(
  req: IncomingMessage,
  res: ServerResponse,
  parts: ChartsApiParts,
  id: string,
  target: RequestTarget,
): Promise<void> {
  const shareKey = target.searchParams.get('share_key');
  const chart = await parts.charts.get(id);
  if (chart === null) return refuse(res, 404, 'not-found', 'no such chart');
  const editor = isEditor(req, parts.keys, chart);
  switch (req.method) {
    case 'GET':
    case 'HEAD': {
      if (!editor && (await passOf(req, target, chart, shareKey, parts.gate)) === null)
        return refuse(res, 403, 'forbidden', 'this chart is private: its link carries a share_key');
      const figure = editor ? figureOf(chart) : viewerFigure(chart);
      const links = chartLinks(requestOrigin(req), chart);
      sendJson(res, 200, { id, revision: chart.revision, worldReadable: chart.worldReadable, ...links, figure });
      return;
    }
    case 'PATCH': {
      if (!editor)
        return refuse(res, 401, 'unauthorized', "an edit needs the chart's edit key (Authorization: Bearer)");
      const body = await readJson(req, res, parts);
      if (body === null) return;
      const worldReadable = body['worldReadable'] ?? body['world_readable'];
      if (worldReadable !== undefined && typeof worldReadable !== 'boolean')
        return refuse(res, 400, 'bad-figure', '"worldReadable" must be true or false');
      const edited = await parts.charts.edit(id, (figure) => editFigure(figure, body), worldReadable);
      if (edited === null) return refuse(res, 404, 'not-found', 'no such chart');
      if (edited === 'too-big' || edited === 'full') return refuseStored(res, parts, edited);
      if (edited === 'conflict')
        return refuse(res, 409, 'conflict', 'others kept editing this chart meanwhile; try again');
      if ('error' in edited) return refuse(res, 400, 'bad-figure', edited.error);
      const links = chartLinks(requestOrigin(req), edited);
      sendJson(res, 200, {
        id,
        revision: edited.revision,
        worldReadable: edited.worldReadable,
        ...links,
        ...shareKeyOf(edited),
      });
      return;
    }
    case 'DELETE':
      if (!editor)
        return refuse(res, 401, 'unauthorized', 'deleting a chart needs its edit key (Authorization: Bearer)');
      await parts.charts.delete(id);
      res.writeHead(204).end();
      return;
    default:
      sendJson(
        res,
        405,
        { error: 'method', reason: 'GET, PATCH or DELETE a chart' },
        { allow: 'GET, HEAD, PATCH, DELETE' },
      );
  }
}

/** The body as a JSON object, or null once the request is answered (too big, not JSON, too deep). */
async function readJson(
  req: IncomingMessage,
  res: ServerResponse,
  parts: ChartsApiParts,
): Promise<Record<string, unknown> | null> {
  // The figure's bound, and room for what goes around it.
  const text = await readBody(req, res, {
    maxBytes: parts.charts.store.limits.maxFigureBytes + 4096,
    idleMs: parts.idleTimeoutMs,
    allowance: parts.bodies,
  });
  if (text === null) return null;
  let value: unknown;
  try {
    if (textNestsDeeperThan(text, 48)) throw new Error('it nests too deep');
    value = parseJson(text);
  } catch (error) {
    refuse(res, 400, 'bad-json', `the body is not JSON (${(error as Error).message})`);
    return null;
  }
  if (!isMessageObject(value)) {
    refuse(res, 400, 'bad-json', 'the body is not a JSON object');
    return null;
  }
  return value;
}

/** Whether the request may edit the chart: its edit key, or (with write keys) the key of every token it names. */
function isEditor(req: IncomingMessage, keys: WriteKeys | null, chart: StoredChart): boolean {
  const presented = bearerToken(req);
  if (presented !== undefined && matchesHash(presented, chart.editKeyHash)) return true;
  if (keys === null || keys.size === 0 || presentedKey(req) === null) return false;
  const tokens = [...chartNames(chart).keys()];
  return tokens.length > 0 && tokens.every((token) => checkWriteKey(keys, token, req) === null);
}

function shareKeyOf(chart: StoredChart): { shareKey?: string } {
  return chart.shareKey === null ? {} : { shareKey: chart.shareKey };
}

/** How a refusal of the store is answered (`/api/charts` and `/clientresp`): its status and reason, naming the bound. */
export function storeRefusal(refusal: ChartRefusal, limits: ChartLimits): [status: number, reason: string] {
  const [status, reason] = REFUSALS[refusal];
  const limit =
    refusal === 'too-big'
      ? String(limits.maxFigureBytes)
      : refusal === 'owner-full'
        ? String(limits.maxChartsPerOwner)
        : `${limits.maxCharts} charts or ${limits.maxTotalBytes} bytes of figures`;
  return [status, reason(limit)];
}

function refuseStored(res: ServerResponse, parts: ChartsApiParts, refusal: ChartRefusal): void {
  const [status, reason] = storeRefusal(refusal, parts.charts.store.limits);
  parts.metrics.refuse(`chart-${refusal}`);
  refuse(res, status, refusal, reason);
}

function refuse(
  res: ServerResponse,
  status: number,
  error: string,
  reason: string,
  headers: Record<string, string> = {},
): void {
  if (!res.headersSent) sendJson(res, status, { error, reason }, headers);
}
