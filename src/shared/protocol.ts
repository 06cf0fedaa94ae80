/**
 * The relay -> browser wire, both directions in one place: the subscribe request (its parameters and
 * the relay's reading of it; the element resolves the URL against its page in transport/), positions,
 * the events (encoded by the relay, decoded by the element) and the WebSocket close codes.
 * docs/protocol.md describes it for people writing another relay or client.
 */
import { columnPrefixes, flatKeys, readColumns, readTightColumns } from './message-text.js';
import { isMessageObject, isValidToken, notAColumn, parseJson, type Scalar } from './messages.js';

/** Where a subscriber is in a token's stream: the history's epoch and the last offset it has. */
export interface Position {
  epoch: string;
  offset: number;
}

/** Resume positions by token. */
export type Positions = Map<string, Position>;

const EPOCH_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** `token:epoch:offset`, the form of one position in `resume=` and in SSE `id:` lines. */
export function formatPosition(token: string, position: Position): string {
  return `${token}:${position.epoch}:${position.offset}`;
}

/** All positions, comma separated (an SSE `id:` line, a `Last-Event-ID` header), each token by `nameOf` its name. */
export function formatPositions(positions: Positions, nameOf: (token: string) => string = (token) => token): string {
  return Array.from(positions, ([token, position]) => formatPosition(nameOf(token), position)).join(',');
}

/**
 * Parses positions from `resume=` values or a `Last-Event-ID` header: each value may hold several
 * comma-separated `token:epoch:offset` items. Malformed items are skipped (that token then starts
 * from history, as a new subscriber would), never fatal.
 */
export function parsePositions(values: Iterable<string>): Positions {
  const positions: Positions = new Map();
  for (const value of values) {
    for (const item of value.split(',')) {
      const parts = item.trim().split(':');
      if (parts.length !== 3) continue;
      const [token, epoch, offsetText] = parts as [string, string, string];
      const offset = Number(offsetText);
      if (!isValidToken(token) || !EPOCH_PATTERN.test(epoch)) continue;
      if (!/^\d+$/.test(offsetText) || !Number.isSafeInteger(offset)) continue;
      positions.set(token, { epoch, offset });
    }
  }
  return positions;
}

/** One message of a token, at its position. */
export interface DataEvent {
  type: 'data';
  token: string;
  epoch: string;
  offset: number;
  /** When the relay accepted the message, in ms since the Unix epoch (stored with it; older relays omit it). */
  time?: number;
  message: Record<string, unknown>;
}

/**
 * Consecutive messages of one token, in one event: message i is at `offset + i`, accepted at
 * `time + dt[i]` (`dt` left out when they all share `time`). Sent only to a subscriber that asked
 * with `runs=1`. The messages come as `messages` (a message that is not an object is null: reported,
 * its offset still counted) or, to a subscriber that also asked with `columns=1`, as `columns`.
 */
export interface RunEvent {
  type: 'run';
  token: string;
  epoch: string;
  /** The offset of the first message. */
  offset: number;
  /** When the relay accepted the first message, in ms since the Unix epoch. */
  time?: number;
  /** Each message's time after `time`, in ms. */
  dt?: number[];
  /** The messages in order (absent when `columns` holds them). */
  messages?: Array<Record<string, unknown> | null>;
  /**
   * The messages as columns, for messages that all have the same keys and only scalar values
   * (`{"x": 1, "y": 2}`, not `layout`): message i is `{key: columns[key][i]}` for each key, and
   * every column is as long as the run. One array of numbers parses without an object per message.
   */
  columns?: Record<string, Scalar[]>;
}

/** How many messages a run holds. */
export function runLength(run: RunEvent): number {
  if (run.messages !== undefined) return run.messages.length;
  for (const key in run.columns) return (run.columns[key] as Scalar[]).length;
  return 0;
}

/**
 * Start the token over: clear its traces; the history window follows. Sent before history to a new
 * subscriber, and to a resuming one whose gap is not all in history or whose epoch is gone.
 * `offset` is the position just before the first message that follows (offsets start at 1).
 */
export interface ResetEvent {
  type: 'reset';
  token: string;
  epoch: string;
  offset: number;
}

/** The connection is alive (sent every 15 s by default). */
export interface HeartbeatEvent {
  type: 'heartbeat';
}

/**
 * History and replay are done for every token of the subscription (or, after a `subscribe` control
 * message, for the `tokens` it added); what follows is live. The first `ready` on a WebSocket says
 * what the relay takes up the socket: `control` (the version of the control messages it reads, 1)
 * and `maxTokens` (tokens one subscription may hold). Older relays send neither.
 */
export interface ReadyEvent {
  type: 'ready';
  control?: number;
  maxTokens?: number;
  tokens?: string[];
}

/** Codes of the `error` events this relay sends (docs/protocol.md lists them). */
export const RELAY_ERROR_CODES = [
  /** A `token=` value of the subscription is not a token; the others are served. */
  'bad-token',
  /** The relay ended an SSE stream (shutting down, the viewer too slow, history unreadable); the message says why. */
  'closed',
  /** The subscription named more tokens than the relay takes in one; those past the limit are not subscribed. */
  'too-many-tokens',
  /** Private streams, SSE: the read token expired while the stream was open; the stream ends. */
  'unauthorized',
  /** A control message the relay could not take (malformed, too big, too many); the subscription goes on as it was. */
  'bad-control',
  /** Private streams: a `subscribe` control message named a token the read token does not cover; not subscribed. */
  'forbidden',
] as const;

export type RelayErrorCode = (typeof RELAY_ERROR_CODES)[number];

/** The relay could not serve part of a subscription, or ended it. */
export interface RelayErrorEvent {
  type: 'error';
  /** One of `RelayErrorCode` from this relay; a newer relay may send others. */
  code: RelayErrorCode | (string & {});
  message: string;
  token?: string;
}

/**
 * A hosted chart's figure, as its viewers get it (tokens by their names): sent when a subscription
 * to the chart starts and whenever the chart is edited. `revision` grows by one an edit.
 */
export interface FigureEvent {
  type: 'figure';
  revision: number;
  figure: Record<string, unknown>;
}

export type RelayEvent =
  DataEvent | RunEvent | ResetEvent | HeartbeatEvent | ReadyEvent | RelayErrorEvent | FigureEvent;

/** A `data` event as a run of one (what a client does with events of a relay that sends no runs). */
export function runOf(event: DataEvent): RunEvent {
  const run: RunEvent = {
    type: 'run',
    token: event.token,
    epoch: event.epoch,
    offset: event.offset,
    messages: [event.message],
  };
  if (event.time !== undefined) run.time = event.time;
  return run;
}

/** A run's messages as objects, whichever way they came (for readers that need no speed: a message per object). */
export function runMessages(run: RunEvent): Array<Record<string, unknown> | null> {
  if (run.messages !== undefined) return run.messages;
  const columns = run.columns ?? {};
  return Array.from({ length: runLength(run) }, (_, i) => {
    const message: Record<string, unknown> = {};
    for (const key in columns) message[key] = (columns[key] as Scalar[])[i];
    return message;
  });
}

/**
 * The part of a run past a position (what a subscriber at `position` does not have yet): the run
 * itself, a run of its later messages, or null when it has them all. A position in another epoch
 * has none of them.
 */
export function runAfter(run: RunEvent, position: Position | undefined): RunEvent | null {
  if (position === undefined || position.epoch !== run.epoch || position.offset < run.offset) return run;
  const skip = position.offset - run.offset + 1;
  if (skip >= runLength(run)) return null;
  const rest: RunEvent = { ...run, offset: run.offset + skip };
  if (run.messages !== undefined) rest.messages = run.messages.slice(skip);
  if (run.columns !== undefined) {
    const columns: Record<string, Scalar[]> = {};
    for (const key in run.columns) columns[key] = (run.columns[key] as Scalar[]).slice(skip);
    rest.columns = columns;
  }
  if (run.dt !== undefined) {
    // Times stay relative to the first message kept.
    const base = run.dt[skip] as number;
    rest.time = (run.time ?? 0) + base;
    rest.dt = run.dt.slice(skip).map((d) => d - base);
  }
  return rest;
}

/** The position after a run: its last message's. */
export function runEnd(run: RunEvent): Position {
  return { epoch: run.epoch, offset: run.offset + runLength(run) - 1 };
}

/** WebSocket close codes the relay uses (the only place they are written). */
export const CloseCode = {
  /** The relay is shutting down: reconnect later. */
  goingAway: 1001,
  /** The relay failed to serve the subscription (history could not be read): reconnect later. */
  internalError: 1011,
  /** The viewer sent more than the relay takes up a WebSocket (it sends nothing the relay reads). */
  policyViolation: 1008,
  /** The subscription request was malformed (no valid token): do not retry as is. */
  badRequest: 4400,
  /** Private streams: no valid read token, or it expired. Retry only with a new one. */
  unauthorized: 4401,
  /**
   * The read token does not cover a token asked for (retry only with another one), or the page's
   * origin is not one the relay serves (`isOriginRefusal` of the reason; do not retry).
   */
  forbidden: 4403,
  /** The subscriber fell too far behind: reconnect and resume from history (cut-off viewers are now reset instead). */
  tooSlow: 4408,
} as const;

/** How every origin refusal's reason starts (a WebSocket's 4403 reason, an SSE 403's JSON `reason`). */
const ORIGIN_REFUSED = 'origin not allowed: ';

/**
 * The reason a relay gives a page whose origin it does not serve, short enough for a WebSocket
 * close reason (123 bytes): what to start the relay with, for a person reading the chart's badge.
 */
export function originRefusalReason(origin: string | undefined): string {
  const shown = origin ?? 'none';
  const reason = `${ORIGIN_REFUSED}start the relay with --allow-origin ${shown} to serve pages at ${shown}`;
  return reason.length <= 120 ? reason : `${ORIGIN_REFUSED}start the relay with --allow-origin and this page's origin`;
}

/** True when a refusal's reason says the page's origin is not allowed (a new read token will not help). */
export function isOriginRefusal(reason: string): boolean {
  return reason.startsWith(ORIGIN_REFUSED);
}

// --- encoders (the relay's side) ----------------------------------------------------------------
// Events are built as text: a data event embeds the producer's JSON line as it was stored, so the
// message is never parsed and re-serialised on the way through.

/** A `data` event; `messageJson` is the message's JSON text (one object), `time` when the relay accepted it. */
export function encodeData(token: string, epoch: string, offset: number, time: number, messageJson: string): string {
  return `{"type":"data","token":${JSON.stringify(token)},"epoch":${JSON.stringify(epoch)},"offset":${offset},"time":${time},"message":${messageJson}}`;
}

/**
 * A `run` event: consecutive messages of a token from `offset` on, their JSON texts embedded as
 * they are, and the times they were accepted (the first one's, then the others' after it).
 */
export function encodeRun(
  token: string,
  epoch: string,
  offset: number,
  times: readonly number[],
  messageJsons: readonly string[],
): string {
  return encodeRunWith(token, epoch, offset, times, `"messages":[${messageJsons.join(',')}]`);
}

/** A `run` event's text around its messages' part (`"messages":[...]` or `"columns":{...}`). */
function encodeRunWith(token: string, epoch: string, offset: number, times: readonly number[], body: string): string {
  const time = times[0] ?? 0;
  let dt = '';
  for (const t of times) {
    if (t !== time) {
      dt = `,"dt":[${times.map((t) => t - time).join(',')}]`;
      break;
    }
  }
  return `{"type":"run","token":${JSON.stringify(token)},"epoch":${JSON.stringify(epoch)},"offset":${offset},"time":${time}${dt},${body}}`;
}

/** Runs this short or shorter go as messages: as columns they would not be smaller. */
export const MIN_COLUMNS_RUN = 2;

/**
 * One `run` event with columns: `keys` as JSON texts (quotes included) and, for each, its values as
 * JSON texts, one per message, every column as long as `times`.
 */
export function encodeColumnsRun(
  token: string,
  epoch: string,
  offset: number,
  times: readonly number[],
  keys: readonly string[],
  columns: ReadonlyArray<readonly string[]>,
): string {
  const body = keys.map((key, k) => `${key}:[${(columns[k] as readonly string[]).join(',')}]`).join(',');
  return encodeRunWith(token, epoch, offset, times, `"columns":{${body}}`);
}

/**
 * A token's consecutive messages as `run` events for a subscriber that reads columns (`columns=1`):
 * each stretch of at least `MIN_COLUMNS_RUN` messages with the same keys, in the same order, and
 * only scalar values becomes one run with `columns`, the messages between them runs with
 * `messages`. The messages' texts are read, not parsed: each value goes into its column as it was
 * written, so the viewer's parse gives exactly what parsing the message would. Built once per tick
 * for every viewer at the edge.
 */
export function encodeColumnRuns(
  token: string,
  epoch: string,
  offset: number,
  times: readonly number[],
  messageJsons: readonly string[],
): string[] {
  const events: string[] = [];
  const count = messageJsons.length;
  let plainFrom = 0;
  let i = 0;
  while (i < count) {
    const keys = flatKeys(messageJsons[i] as string);
    if (keys === null) {
      i++;
      continue;
    }
    const columns = keys.map(() => [] as string[]);
    let end = i;
    const prefixes = columnPrefixes(keys);
    while (end < count) {
      const text = messageJsons[end] as string;
      if (!readTightColumns(text, prefixes, columns) && !readColumns(text, keys, columns)) break;
      end++;
    }
    if (end - i < MIN_COLUMNS_RUN) {
      i = Math.max(end, i + 1);
      continue;
    }
    if (i > plainFrom)
      events.push(
        encodeRun(token, epoch, offset + plainFrom, times.slice(plainFrom, i), messageJsons.slice(plainFrom, i)),
      );
    events.push(encodeColumnsRun(token, epoch, offset + i, times.slice(i, end), keys, columns));
    plainFrom = i = end;
  }
  if (count > plainFrom)
    events.push(encodeRun(token, epoch, offset + plainFrom, times.slice(plainFrom), messageJsons.slice(plainFrom)));
  return events;
}

/** A `reset` event: `offset` is the position just before the first message that follows. */
export function encodeReset(token: string, epoch: string, offset: number): string {
  return `{"type":"reset","token":${JSON.stringify(token)},"epoch":${JSON.stringify(epoch)},"offset":${offset}}`;
}

const READY = '{"type":"ready"}';
const HEARTBEAT = '{"type":"heartbeat"}';

/**
 * The `ready` event: history and replay are done, what follows is live. With `tokens`, for those a
 * `subscribe` control message added; with `control` and `maxTokens`, what the relay takes up the socket.
 */
export function encodeReady(extras?: { control?: number; maxTokens?: number; tokens?: readonly string[] }): string {
  return extras === undefined ? READY : JSON.stringify({ type: 'ready', ...extras });
}

/** The `figure` event of a hosted chart. */
export function encodeFigure(revision: number, figure: unknown): string {
  return JSON.stringify({ type: 'figure', revision, figure });
}

/** The `heartbeat` event. */
export function encodeHeartbeat(): string {
  return HEARTBEAT;
}

/** An `error` event. */
export function encodeError(code: RelayErrorCode, message: string, token?: string): string {
  return JSON.stringify(
    token === undefined ? { type: 'error', code, message } : { type: 'error', code, message, token },
  );
}

/** One WebSocket frame or SSE `data:` payload: a single event, or several as a JSON array. */
export function encodeFrame(events: readonly string[]): string {
  return events.length === 1 ? (events[0] as string) : `[${events.join(',')}]`;
}

// --- the subscribe request ----------------------------------------------------------------------

/** Query parameter names of `GET /subscribe`. */
export const SubscribeParam = {
  token: 'token',
  resume: 'resume',
  /** A read token (private streams), for browsers: WebSocket and EventSource cannot set headers. */
  accessToken: 'access_token',
  /** `1`: the subscriber reads `run` events (without it, every message is its own `data` event). */
  runs: 'runs',
  /** `1` (with `runs=1`): the subscriber also reads runs whose messages come as `columns`. */
  columns: 'columns',
} as const;

/** The version of the control messages this relay reads (announced in its first `ready`). */
export const CONTROL_VERSION = 1;

/**
 * A control message a viewer sends up its WebSocket to change what it is subscribed to, without a
 * new connection: `{"type":"subscribe","tokens":[...],"resume":"A:e:3,..."}` adds tokens (each
 * replayed after its resume position, or reset + history, then a `ready` naming them);
 * `{"type":"unsubscribe","tokens":[...]}` drops tokens.
 */
export type ControlMessage =
  | { type: 'subscribe'; tokens: string[]; invalid: string[]; resume: Positions }
  | { type: 'unsubscribe'; tokens: string[]; invalid: string[] };

/** The `subscribe` control message (the element's side). */
export function encodeSubscribe(tokens: readonly string[], positions: Positions): string {
  const resume = formatPositions(new Map([...positions].filter(([token]) => tokens.includes(token))));
  return JSON.stringify(resume === '' ? { type: 'subscribe', tokens } : { type: 'subscribe', tokens, resume });
}

/** The `unsubscribe` control message (the element's side). */
export function encodeUnsubscribe(tokens: readonly string[]): string {
  return JSON.stringify({ type: 'unsubscribe', tokens });
}

/** Reads a control message (the relay's side): the message, or why it cannot be taken. */
export function parseControlMessage(text: string): ControlMessage | { error: string } {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch {
    return { error: 'a control message must be JSON' };
  }
  if (!isMessageObject(value)) return { error: 'a control message must be a JSON object' };
  const type = value['type'];
  if (type !== 'subscribe' && type !== 'unsubscribe')
    return { error: 'a control message has type "subscribe" or "unsubscribe"' };
  const list = value['tokens'];
  if (!Array.isArray(list) || list.length === 0) return { error: `${type} needs "tokens": a list of tokens` };
  const asked = [...new Set(list.map((t) => (typeof t === 'string' ? t : (JSON.stringify(t) ?? String(t)))))];
  const tokens = asked.filter(isValidToken);
  const invalid = asked.filter((t) => !isValidToken(t));
  if (type === 'unsubscribe') return { type, tokens, invalid };
  const resume = value['resume'];
  if (resume !== undefined && typeof resume !== 'string')
    return { error: 'subscribe\'s "resume" is positions as in the query: "A:epoch:offset,B:epoch:offset"' };
  return { type, tokens, invalid, resume: parsePositions(resume === undefined ? [] : [resume]) };
}

/** What a `GET /subscribe` asks for, as the relay reads it. */
export interface SubscribeRequest {
  /** Valid tokens, each once, in the order asked. */
  tokens: string[];
  /** `token=` values that are not tokens (reported to the subscriber, not subscribed). */
  invalid: string[];
  /** Resume positions from `resume=` values and a `Last-Event-ID` header. */
  resume: Positions;
  /** The subscriber reads `run` events. */
  runs: boolean;
  /** The subscriber reads runs with `columns` (only with `runs`). */
  columns: boolean;
}

/** A query string's values by name (`URLSearchParams` in browsers and Node). */
export interface QueryValues {
  getAll(name: string): string[];
}

/**
 * Reads a subscribe URL's query (and an SSE reconnect's `Last-Event-ID`): the inverse of the
 * element's `subscribeUrl`.
 */
export function parseSubscribeRequest(query: QueryValues, lastEventId?: string): SubscribeRequest {
  const asked = [...new Set(query.getAll(SubscribeParam.token))];
  const resumeValues = query.getAll(SubscribeParam.resume);
  if (lastEventId !== undefined) resumeValues.unshift(lastEventId);
  const runs = query.getAll(SubscribeParam.runs).includes('1');
  return {
    tokens: asked.filter(isValidToken),
    invalid: asked.filter((token) => !isValidToken(token)),
    resume: parsePositions(resumeValues),
    runs,
    columns: runs && query.getAll(SubscribeParam.columns).includes('1'),
  };
}

// --- the decoder (the element's side) -----------------------------------------------------------

export type DecodeResult = { events: RelayEvent[]; errors: string[] };

/**
 * A run as the relay sent it, or why it cannot be used. A message that is not an object is null
 * (reported in `errors`), so the others keep their offsets; times of the wrong shape are left out.
 */
function checkRun(value: Record<string, unknown>, errors: string[]): RunEvent | string {
  let length: number;
  if (value['columns'] !== undefined) {
    const columns = checkColumns(value['columns']);
    if (typeof columns === 'string') return columns;
    length = columns;
    delete value['messages'];
  } else {
    const messages = value['messages'];
    if (!Array.isArray(messages) || messages.length === 0) return 'run event without messages';
    for (let i = 0; i < messages.length; i++) {
      if (isMessageObject(messages[i])) continue;
      errors.push(`run event message ${i} is not an object`);
      messages[i] = null;
    }
    length = messages.length;
  }
  if (value['time'] !== undefined && !Number.isFinite(value['time'])) delete value['time'];
  const dt = value['dt'];
  if (
    dt !== undefined &&
    (value['time'] === undefined || !Array.isArray(dt) || dt.length !== length || !dt.every(Number.isFinite))
  )
    delete value['dt'];
  return value as unknown as RunEvent;
}

/** A run's columns: their length, or why they cannot be used (the whole run is refused: no message is whole). */
function checkColumns(columns: unknown): number | string {
  if (!isMessageObject(columns)) return 'run event columns must be an object of arrays';
  let length = -1;
  for (const key in columns) {
    if (notAColumn(key)) return `run event columns cannot hold "${key}"`;
    const column = columns[key];
    if (!Array.isArray(column) || column.length === 0) return `run event column "${key}" is not a non-empty array`;
    if (length !== -1 && column.length !== length) return 'run event columns differ in length';
    length = column.length;
    for (const value of column)
      if (typeof value === 'object' && value !== null) return `run event column "${key}" holds a non-scalar value`;
  }
  return length === -1 ? 'run event without columns' : length;
}

/** Why a `data`, `run` or `reset` event's position (token, epoch, offset) cannot be used, or null. */
function positionError(type: string, value: Record<string, unknown>): string | null {
  if (!isValidToken(value['token'])) return `${type} event without a valid token`;
  if (typeof value['epoch'] !== 'string') return `${type} event without an epoch`;
  if (!Number.isSafeInteger(value['offset'])) return `${type} event without an integer offset`;
  return null;
}

/** An event, an error text, or null for a type this client does not know (newer relays may add some). */
function checkEvent(value: unknown, errors: string[]): RelayEvent | string | null {
  if (!isMessageObject(value)) return 'an event must be a JSON object';
  const type = value['type'];
  if (type === 'data' || type === 'run' || type === 'reset') {
    const error = positionError(type, value);
    if (error !== null) return error;
  }
  switch (type) {
    case 'data':
      if (!isMessageObject(value['message'])) return 'data event whose message is not an object';
      // A time that is not a number is left out; the message itself is good.
      if (value['time'] !== undefined && !Number.isFinite(value['time'])) delete value['time'];
      return value as unknown as DataEvent;
    case 'run':
      return checkRun(value, errors);
    case 'reset':
      return value as unknown as ResetEvent;
    case 'heartbeat':
      return value as unknown as RelayEvent;
    case 'ready': {
      // What a relay announces is optional: a field of the wrong shape is left out, the event kept.
      const ready: ReadyEvent = { type: 'ready' };
      if (Number.isSafeInteger(value['control'])) ready.control = value['control'] as number;
      if (Number.isSafeInteger(value['maxTokens']) && (value['maxTokens'] as number) > 0)
        ready.maxTokens = value['maxTokens'] as number;
      if (Array.isArray(value['tokens'])) ready.tokens = (value['tokens'] as unknown[]).filter(isValidToken);
      return ready;
    }
    case 'figure':
      if (!Number.isSafeInteger(value['revision'])) return 'figure event without an integer revision';
      if (!isMessageObject(value['figure'])) return 'figure event whose figure is not an object';
      return value as unknown as FigureEvent;
    case 'error':
      return {
        type: 'error',
        code: typeof value['code'] === 'string' ? value['code'] : 'relay-error',
        message: typeof value['message'] === 'string' ? value['message'] : 'the relay reported an error',
        ...(isValidToken(value['token']) ? { token: value['token'] } : {}),
      };
    default:
      return typeof type === 'string' ? null : 'an event without a type';
  }
}

/**
 * Decodes one WebSocket frame or SSE `data:` payload: a JSON event or a JSON array of events (the
 * relay batches messages that arrive between two sends). Bad events are reported and skipped; the
 * good ones beside them are kept.
 */
export function decodeEvents(text: string): DecodeResult {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch {
    return { events: [], errors: [`a relay frame that is not JSON: ${text.slice(0, 80)}`] };
  }
  const items = Array.isArray(value) ? value : [value];
  const events: RelayEvent[] = [];
  const errors: string[] = [];
  for (const item of items) {
    const checked = checkEvent(item, errors);
    if (typeof checked === 'string') errors.push(checked);
    else if (checked !== null) events.push(checked);
  }
  return { events, errors };
}
