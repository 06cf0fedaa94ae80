/**
 * Plotly's v1 plot call (`POST /clientresp`), read from its form's fields: `args` (the traces, JSON)
 * and `kwargs` (JSON: `filename`, `fileopt`, `layout`, `world_readable` or `sharing`, and for
 * `extend` the trace indices `traces`), checked as a figure is, with Plotly's defaults: no filename
 * makes a new chart each time; a filename without `fileopt` overwrites the chart of that name.
 */
import { isMessageObject, parseJson, textNestsDeeperThan } from '../../shared/messages.js';
import { MAX_CHART_TRACES, readFigure, type Figure } from './chart-figure.js';

export type FileOption = 'new' | 'overwrite' | 'extend' | 'append';

const FILE_OPTIONS: readonly FileOption[] = ['new', 'overwrite', 'extend', 'append'];

/** Characters of a filename (Plotly's own: a name, or `folder/name`). */
export const MAX_FILENAME_LENGTH = 200;

/** JSON in a form field nests at most this deep (a figure's bound, and the traces' array). */
const MAX_FIELD_DEPTH = 34;

export interface PlotCall {
  /** The traces and the layout (config: none in Plotly's call). */
  figure: Figure;
  /** Whether `kwargs` gave a layout (`extend` and `append` keep the chart's when it did not). */
  layoutGiven: boolean;
  filename: string | null;
  fileopt: FileOption;
  worldReadable: boolean;
  /** For `extend`: the chart's trace each of `args`'s traces extends, in order. */
  traces: number[] | null;
}

/** The call in the form's fields, or why it is not one. */
export function readPlotCall(fields: Record<string, string>): PlotCall | { error: string } {
  const args = readJsonField(fields, 'args');
  if (args !== undefined && 'error' in args) return args;
  const kwargs = readJsonField(fields, 'kwargs');
  if (kwargs !== undefined && 'error' in kwargs) return kwargs;
  let data = args?.value ?? [];
  // npm plotly's plot({x, y}) wraps one trace in an array itself; a bare trace is read as one too.
  if (isMessageObject(data)) data = [data];
  if (!Array.isArray(data)) return { error: 'args must be a JSON array of traces' };
  const options = kwargs?.value ?? {};
  if (!isMessageObject(options)) return { error: 'kwargs must be a JSON object' };
  const layout = options['layout'] ?? {};
  const figure = readFigure({ data, layout });
  if ('error' in figure) return figure;
  const filename = readFilename(options['filename']);
  if (typeof filename === 'object' && filename !== null) return filename;
  const fileopt = options['fileopt'] ?? (filename === null ? 'new' : 'overwrite');
  if (!FILE_OPTIONS.includes(fileopt as FileOption))
    return { error: `fileopt must be one of ${FILE_OPTIONS.join(', ')}, got ${JSON.stringify(fileopt)}` };
  const worldReadable = readWorldReadable(options);
  if (typeof worldReadable === 'object') return worldReadable;
  const traces = readTraceIndices(options['traces']);
  if (traces !== null && 'error' in traces) return traces;
  return {
    figure,
    layoutGiven: options['layout'] !== undefined,
    filename,
    fileopt: fileopt as FileOption,
    worldReadable,
    traces,
  };
}

/** A field's JSON (undefined when the form has no such field), or why it is not JSON. */
function readJsonField(
  fields: Record<string, string>,
  name: string,
): { value: unknown } | { error: string } | undefined {
  const text = fields[name];
  if (text === undefined) return undefined;
  if (textNestsDeeperThan(text, MAX_FIELD_DEPTH)) return { error: `${name} nests more than ${MAX_FIELD_DEPTH} levels` };
  try {
    return { value: parseJson(text) };
  } catch (error) {
    return { error: `${name} is not JSON (${(error as Error).message})` };
  }
}

function readFilename(value: unknown): string | null | { error: string } {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') return { error: 'filename must be a string' };
  if (value.length > MAX_FILENAME_LENGTH) return { error: `a filename is at most ${MAX_FILENAME_LENGTH} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return { error: 'a filename holds no control character' };
  return value;
}

/**
 * `world_readable` (true or false, or "true"; Arduino sketches also write `worldReadable`), else
 * `sharing` (public, private, secret).
 */
function readWorldReadable(options: Record<string, unknown>): boolean | { error: string } {
  const readable = options['world_readable'] ?? options['worldReadable'];
  if (readable === true || readable === 'true') return true;
  if (readable === false || readable === 'false') return false;
  if (readable !== undefined) return { error: 'world_readable must be true or false' };
  const sharing = options['sharing'];
  if (sharing === undefined || sharing === 'public') return true;
  if (sharing === 'private' || sharing === 'secret') return false;
  return { error: 'sharing must be public, private or secret' };
}

function readTraceIndices(value: unknown): number[] | null | { error: string } {
  if (value === undefined || value === null) return null;
  if (
    !Array.isArray(value) ||
    value.length > MAX_CHART_TRACES ||
    !value.every((i) => Number.isInteger(i) && i >= 0 && i < MAX_CHART_TRACES)
  )
    return { error: `traces must be an array of trace indices, each below ${MAX_CHART_TRACES}` };
  return value as number[];
}
