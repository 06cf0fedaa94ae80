/**
 * A hosted chart's figure: `{data, layout, config}` as a client sends it, checked (bounded in
 * traces and depth, no unsafe key), its stream tokens read from its traces, edits merged into it,
 * and its public form, where each `stream.token` is replaced by the name its viewers know it by.
 */
import { isMessageObject, isValidToken, TOKEN_RULE, valueNestsDeeperThan } from '../../shared/messages.js';

/** Traces one chart may hold. */
export const MAX_CHART_TRACES = 100;

/**
 * Stream tokens one chart may name: what one subscription holds by default (`maxTokensPerSubscription`),
 * so each viewer of the chart gets all of them.
 */
export const MAX_CHART_TOKENS = 64;

/** Objects and arrays nest at most this deep in a figure (Plotly's own figures: a handful). */
const MAX_FIGURE_DEPTH = 32;

export interface Figure {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

/** A figure from a client's JSON, or why it is not one. */
export function readFigure(value: unknown): Figure | { error: string } {
  if (!isMessageObject(value))
    return { error: 'a figure is a JSON object: {"data": [...], "layout": {...}, "config": {...}}' };
  if (valueNestsDeeperThan(value, MAX_FIGURE_DEPTH))
    return { error: `a figure nests more than ${MAX_FIGURE_DEPTH} levels` };
  const { data, layout = {}, config = {} } = value;
  if (!Array.isArray(data)) return { error: '"data" must be an array of traces' };
  if (data.length > MAX_CHART_TRACES) return { error: `a chart holds at most ${MAX_CHART_TRACES} traces` };
  const index = data.findIndex((trace) => !isMessageObject(trace));
  if (index !== -1) return { error: `trace ${index} is not an object` };
  if (!isMessageObject(layout)) return { error: '"layout" must be an object' };
  if (!isMessageObject(config)) return { error: '"config" must be an object' };
  const figure: Figure = { data: data as Figure['data'], layout, config };
  const tokens = streamTokens(figure);
  return 'error' in tokens ? tokens : figure;
}

/** The stream tokens the traces name, each once, in order; or the first that is not a token. */
export function streamTokens(figure: Figure): string[] | { error: string } {
  const tokens: string[] = [];
  for (const [index, trace] of figure.data.entries()) {
    const stream = trace['stream'];
    if (stream === undefined) continue;
    const token = isMessageObject(stream) ? stream['token'] : undefined;
    if (typeof token !== 'string' || !isValidToken(token))
      return { error: `trace ${index}: stream.token must be ${TOKEN_RULE}` };
    if (!tokens.includes(token)) tokens.push(token);
    if (tokens.length > MAX_CHART_TOKENS) return { error: `a chart streams at most ${MAX_CHART_TOKENS} tokens` };
  }
  return tokens;
}

/** The figure a viewer gets: each trace's `stream.token` replaced by its name. */
export function publicFigure(figure: Figure, nameOf: (token: string) => string): Figure {
  const data = figure.data.map((trace) => {
    const stream = trace['stream'];
    if (!isMessageObject(stream) || typeof stream['token'] !== 'string') return trace;
    return { ...trace, stream: { ...stream, token: nameOf(stream['token']) } };
  });
  return { data, layout: figure.layout, config: figure.config };
}

/**
 * An edit: `layout` and `config` merged into the figure's (a key set to null is removed), `data`
 * merged trace by trace (trace styles: an object per trace index, or null to leave one as it is),
 * or `figure`: a new figure, whole.
 */
export function editFigure(figure: Figure, edit: Record<string, unknown>): Figure | { error: string } {
  if (edit['figure'] !== undefined) return readFigure(edit['figure']);
  const next: Figure = { data: figure.data, layout: figure.layout, config: figure.config };
  for (const part of ['layout', 'config'] as const) {
    const change = edit[part];
    if (change === undefined) continue;
    if (!isMessageObject(change)) return { error: `"${part}" must be an object` };
    next[part] = merged(figure[part], change);
  }
  if (edit['data'] !== undefined) {
    const changes = edit['data'];
    if (!Array.isArray(changes) || changes.length > figure.data.length)
      return { error: '"data" must be an array of trace changes, at most one per trace (use "figure" for new traces)' };
    next.data = figure.data.map((trace, i) => {
      const change: unknown = changes[i];
      return isMessageObject(change) ? merged(trace, change) : trace;
    });
  }
  return readFigure(next);
}

/** `change` merged into `base`, objects into objects; null removes a key. */
function merged(base: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(change)) {
    if (value === null) delete out[key];
    else if (isMessageObject(value) && isMessageObject(out[key]))
      out[key] = merged(out[key] as Record<string, unknown>, value);
    else out[key] = value;
  }
  return out;
}
