/**
 * Hosted charts from Node: `plot(relayUrl, figure, {key})` makes a chart on the relay
 * (`POST /api/charts`) and resolves a `HostedChart` with its `url` and `embedUrl` to share; its
 * `update()` edits it (every viewer sees the change at once, without a reload) and `delete()`
 * removes it. The edit key the relay answers stays in the object (it is shown once).
 */

/** A Plotly figure whose streamed traces name their tokens in `stream.token`. */
export interface ChartFigure {
  data: Array<Record<string, unknown>>;
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

export interface PlotOptions {
  /** A write key (`Authorization: Bearer`): needed on a relay with keys, for each token the chart streams. */
  key?: string;
  /** False: a private chart, whose links carry its share key. Default true. */
  worldReadable?: boolean;
}

/** An edit: `layout` and `config` merged (null removes a key), `data` as trace styles by index, or a new `figure`. */
export interface ChartEdit {
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
  data?: Array<Record<string, unknown> | null>;
  figure?: ChartFigure;
  worldReadable?: boolean;
}

/** The relay refused a call: its status, its error code and its reason. */
export class ChartError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, reason: string) {
    super(`the relay answered ${status} (${code}): ${reason}`);
    this.name = 'ChartError';
    this.status = status;
    this.code = code;
  }
}

export class HostedChart {
  readonly id: string;
  /** The chart's page: share it. */
  readonly url: string;
  /** The chart without page chrome, for an iframe. */
  readonly embedUrl: string;
  /** The chart's edit key (shown once by the relay): `update()` and `delete()` send it. */
  readonly editKey: string;
  /** A private chart's share key (in its links), else null. */
  readonly shareKey: string | null;
  readonly #api: string;

  constructor(
    relayUrl: string,
    made: { id: string; url: string; embedUrl: string; editKey: string; shareKey?: string },
  ) {
    this.id = made.id;
    this.url = made.url;
    this.embedUrl = made.embedUrl;
    this.editKey = made.editKey;
    this.shareKey = made.shareKey ?? null;
    this.#api = `${relayUrl.replace(/\/+$/, '')}/api/charts/${made.id}`;
  }

  /** Edits the chart; resolves its new revision. */
  async update(edit: ChartEdit): Promise<number> {
    const answer = await call(this.#api, 'PATCH', this.editKey, edit);
    return answer['revision'] as number;
  }

  /** The figure as stored (with its stream tokens: the edit key reads it whole). */
  async figure(): Promise<ChartFigure> {
    return (await call(this.#api, 'GET', this.editKey))['figure'] as ChartFigure;
  }

  async delete(): Promise<void> {
    await call(this.#api, 'DELETE', this.editKey);
  }
}

/** Makes a hosted chart of `figure` on the relay at `relayUrl` (`http://host:8080`). */
export async function plot(
  relayUrl: string | URL,
  figure: ChartFigure,
  options: PlotOptions = {},
): Promise<HostedChart> {
  const base = String(relayUrl).replace(/\/+$/, '');
  const body = { ...figure, ...(options.worldReadable === undefined ? {} : { worldReadable: options.worldReadable }) };
  const made = await call(`${base}/api/charts`, 'POST', options.key, body);
  return new HostedChart(base, made as ConstructorParameters<typeof HostedChart>[1]);
}

async function call(
  url: string,
  method: string,
  key: string | undefined,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let answer: Record<string, unknown>;
  try {
    answer = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    throw new ChartError(response.status, 'not-json', text.slice(0, 200));
  }
  if (!response.ok)
    throw new ChartError(response.status, String(answer['error'] ?? 'error'), String(answer['reason'] ?? text));
  return answer;
}
