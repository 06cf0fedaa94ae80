/**
 * Figure parsing: a Plotly figure `{data, layout, config}` whose streamed traces carry
 * `stream: {token, maxpoints}`. The `stream` key is taken out before Plotly sees the trace
 * (plotly.js 4 dropped the attribute), and the routing token -> traces is built here.
 */
import {
  isMessageObject,
  isUnsafeKey,
  isValidToken,
  parseJson,
  PER_POINT_KEYS,
  TOKEN_RULE,
} from '../shared/messages.js';

/** Plotly's old default window, in points per trace. */
export const DEFAULT_MAXPOINTS = 500;

export interface StreamBinding {
  /** The trace's index in `data`. */
  index: number;
  token: string;
  maxpoints: number;
  /** `stream.maxage`: keep only points stamped within this many ms of the newest (null: no time window). */
  maxage: number | null;
  /** `stream.gap`: break the line between points stamped further apart than this many ms (null: never). */
  gap: number | null;
}

export interface ParsedFigure {
  /** Traces without `stream`, with per-point arrays of streamed traces as plain arrays. */
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
  /** One binding per streamed trace, in trace order. */
  streams: StreamBinding[];
  /** Problems found; the figure is still usable (bad streams are drawn but not streamed). */
  problems: string[];
}

/** The figure used when none is given: an empty plot. */
export function emptyFigure(): ParsedFigure {
  return { data: [], layout: {}, config: {}, streams: [], problems: [] };
}

function plainCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainCopy);
  if (ArrayBuffer.isView(value)) return value;
  if (isMessageObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) copy[key] = plainCopy(value[key]);
    return copy;
  }
  return value;
}

/** Reads a dotted path (`marker.color`) from a nested object. */
export function getPath(source: Record<string, unknown>, path: string): unknown {
  let node: unknown = source;
  for (const part of path.split('.')) {
    if (!isMessageObject(node) || isUnsafeKey(part)) return undefined;
    node = node[part];
  }
  return node;
}

/**
 * Writes a dotted path into a nested object, creating the objects on the way. A path through an
 * unsafe key (`__proto__.x`, `constructor.prototype.x`) writes nothing: it would reach a prototype.
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  if (parts.some(isUnsafeKey)) return;
  let node = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const next = node[part];
    if (isMessageObject(next)) node = next;
    else node = node[part] = {};
  }
  node[parts[parts.length - 1] as string] = value;
}

/**
 * Plotly's extendTraces keeps the constructor of the array it extends and its typed-array path
 * throws a RangeError while a trace is shorter than maxPoints; streamed keys are made plain arrays.
 */
function plainPerPointArrays(trace: Record<string, unknown>): void {
  for (const key of PER_POINT_KEYS) {
    const value = getPath(trace, key);
    if (ArrayBuffer.isView(value)) setPath(trace, key, Array.from(value as unknown as ArrayLike<unknown>));
  }
}

/** A number, or a numeric string as its number (an attribute or a JSON figure may give either). */
function numberOf(value: unknown): unknown {
  return typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
}

/** A positive number (or a string of one), or null. */
export function positiveNumber(value: unknown): number | null {
  const n = numberOf(value);
  return Number.isFinite(n) && (n as number) > 0 ? (n as number) : null;
}

function readMaxpoints(value: unknown, index: number, problems: string[]): number {
  if (value === undefined) return DEFAULT_MAXPOINTS;
  const n = numberOf(value);
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1) return n;
  problems.push(
    `trace ${index}: stream.maxpoints must be a positive integer, got ${JSON.stringify(value)}; using ${DEFAULT_MAXPOINTS}`,
  );
  return DEFAULT_MAXPOINTS;
}

/** A positive number of milliseconds, or null (off): an invalid value is off, and listed in `problems`. */
function readMilliseconds(name: string, value: unknown, index: number, problems: string[]): number | null {
  if (value === undefined || value === null) return null;
  const n = positiveNumber(value);
  if (n !== null) return n;
  problems.push(
    `trace ${index}: stream.${name} must be a positive number of milliseconds, got ${JSON.stringify(value)}; ${name} is off`,
  );
  return null;
}

/** Parses a figure object. Never throws: what cannot be used is listed in `problems`. */
export function parseFigure(value: unknown): ParsedFigure {
  const figure = emptyFigure();
  if (value === undefined || value === null) return figure;
  if (!isMessageObject(value)) {
    figure.problems.push('the figure must be an object {data, layout, config}');
    return figure;
  }
  const { data, layout, config } = value;
  if (data !== undefined && !Array.isArray(data)) figure.problems.push('figure.data must be an array');
  if (layout !== undefined && !isMessageObject(layout)) figure.problems.push('figure.layout must be an object');
  if (config !== undefined && !isMessageObject(config)) figure.problems.push('figure.config must be an object');
  if (isMessageObject(layout)) figure.layout = plainCopy(layout) as Record<string, unknown>;
  if (isMessageObject(config)) figure.config = plainCopy(config) as Record<string, unknown>;
  if (!Array.isArray(data)) return figure;

  data.forEach((entry, index) => {
    if (!isMessageObject(entry)) {
      figure.problems.push(`trace ${index} is not an object; drawing an empty trace in its place`);
      figure.data.push({});
      return;
    }
    const trace = plainCopy(entry) as Record<string, unknown>;
    const stream = trace['stream'];
    delete trace['stream'];
    figure.data.push(trace);
    if (stream === undefined) return;
    if (!isMessageObject(stream) || !isValidToken(stream['token'])) {
      figure.problems.push(`trace ${index}: stream.token must be ${TOKEN_RULE}; the trace is drawn but not streamed`);
      return;
    }
    plainPerPointArrays(trace);
    figure.streams.push({
      index,
      token: stream['token'],
      maxpoints: readMaxpoints(stream['maxpoints'], index, figure.problems),
      maxage: readMilliseconds('maxage', stream['maxage'], index, figure.problems),
      gap: readMilliseconds('gap', stream['gap'], index, figure.problems),
    });
  });
  return figure;
}

/** Parses a figure from JSON text (a `<script type="application/json">` child). */
export function parseFigureJson(text: string): ParsedFigure {
  if (text.trim() === '') return emptyFigure();
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    const figure = emptyFigure();
    figure.problems.push(`the figure script is not valid JSON: ${(error as Error).message}`);
    return figure;
  }
  return parseFigure(value);
}

/** The distinct tokens of a figure, in first-seen order. */
export function figureTokens(figure: ParsedFigure): string[] {
  return [...new Set(figure.streams.map((s) => s.token))];
}
