/**
 * The message rules, shared by the element and the relay (Plotly's streaming rules, kept).
 *
 * A message is one JSON object. Scalar values of per-point keys append one point; arrays replace
 * that key's data ("write numbers to append, lists to overwrite"); `layout` is merged into the plot's
 * layout. A bare line is a heartbeat. Anything else is rejected alone, with a code that names why.
 */

/** Why a line (or a value given as a message) is rejected whole. */
export type LineErrorCode = 'invalid-json' | 'not-an-object' | 'too-deep';

/**
 * Objects and arrays nest at most this deep in a message. Plotly's own figures nest a handful of
 * levels; the limit keeps every walk of a message (the rules, Plotly's) far from the stack's end.
 */
export const MAX_MESSAGE_DEPTH = 32;

/** Codes of the message rules: a message rejected whole, or a part of it ignored and reported. */
export type MessageErrorCode = LineErrorCode | 'bad-layout' | 'unknown-key';

export interface MessageError<Code extends MessageErrorCode = LineErrorCode> {
  code: Code;
  message: string;
}

/** Values that append one point. */
export type Scalar = number | string | boolean | null;

/**
 * Keys whose scalar values append one point per message. Nested keys use dotted paths, as Plotly's
 * restyle does; a message may nest them (`{"marker": {"color": 3}}`) or dot them (`{"marker.color": 3}`).
 */
export const PER_POINT_KEYS: ReadonlySet<string> = new Set([
  'x',
  'y',
  'z',
  'text',
  'hovertext',
  'hovertemplate',
  'texttemplate',
  'textposition',
  'customdata',
  'ids',
  'width',
  'base',
  'offset',
  'labels',
  'values',
  'pull',
  'marker.color',
  'marker.size',
  'marker.symbol',
  'marker.opacity',
  'marker.line.color',
  'marker.line.width',
  'textfont.color',
  'textfont.size',
  'error_x.array',
  'error_x.arrayminus',
  'error_y.array',
  'error_y.arrayminus',
]);

/** What a message asks for, in the order its keys were written. */
export interface MessageVisitor {
  /** A scalar of a per-point key: append one point. */
  append(path: string, value: Scalar): void;
  /** An array: replace the key's data. */
  overwrite(path: string, values: readonly unknown[]): void;
  /** `layout`, flattened to dotted paths (arrays are leaves), to merge into the layout. */
  layout(update: Record<string, unknown>): void;
  /** A scalar of a key that takes no per-point data: ignored, reported. */
  unknownKey(path: string): void;
  /** `layout` that is not an object: ignored, reported; the rest of the message still applies. */
  badLayout(): void;
}

/**
 * Keys a message never sets, at any depth: merging them writes into a prototype that every object
 * of the page shares (`{"layout": {"__proto__": {...}}}`, `constructor.prototype`). Messages come
 * from anyone who may write to a token, and reach every viewer's page.
 */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isUnsafeKey(key: string): boolean {
  return UNSAFE_KEYS.has(key);
}

/**
 * What a key of a message asks for, the rules in one place (`visitMessage` for a message, the
 * element's `writeColumns` and the relay's columns for a run): an unsafe key is never merged;
 * top-level `layout` is merged into the layout; a per-point key's scalar appends one point; any
 * other key's scalar is ignored and reported. (Whatever the key, an array replaces its data and an
 * object nests its keys: `visitMessage` reads the value.) `key` is the last part of `path`.
 */
export type KeyRule = 'unsafe' | 'layout' | 'per-point' | 'unknown';

export function keyRule(key: string, path: string): KeyRule {
  if (UNSAFE_KEYS.has(key)) return 'unsafe';
  if (path === 'layout') return 'layout';
  return PER_POINT_KEYS.has(path) ? 'per-point' : 'unknown';
}

/** Keys a run's columns never hold (scalars of one message each, top-level): `layout` is not per point, unsafe keys are never merged. */
export function notAColumn(key: string): boolean {
  const rule = keyRule(key, key);
  return rule === 'unsafe' || rule === 'layout';
}

/** Drops unsafe keys as JSON.parse builds each object. */
function withoutUnsafeKeys(this: unknown, key: string, value: unknown): unknown {
  return UNSAFE_KEYS.has(key) ? undefined : value;
}

/**
 * `JSON.parse` for text from producers (messages, and the relay's events that carry them): no object
 * it returns holds an unsafe key, at any depth. Text that cannot spell one (no `__proto__`,
 * `constructor`, `prototype`, nor a `\u` escape) is parsed as it is, at JSON.parse's own speed.
 */
export function parseJson(text: string): unknown {
  const mayHoldUnsafe =
    text.includes('__proto__') || text.includes('constructor') || text.includes('prototype') || text.includes('\\u');
  return mayHoldUnsafe ? JSON.parse(text, withoutUnsafeKeys) : JSON.parse(text);
}

/** True for a plain JSON-like object (not an array, not null). */
export function isMessageObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Flattens nested objects to dotted paths; arrays and scalars are leaves. */
export function flattenPaths(
  source: Record<string, unknown>,
  prefix = '',
  into: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const key of Object.keys(source)) {
    if (UNSAFE_KEYS.has(key)) continue;
    const value = source[key];
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (isMessageObject(value) && !ArrayBuffer.isView(value)) flattenPaths(value, path, into);
    else into[path] = value;
  }
  return into;
}

function visitEntries(source: Record<string, unknown>, prefix: string, visitor: MessageVisitor): void {
  // for-in, not Object.keys: no array per message (this runs for every point); own keys only.
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    const value = source[key];
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const rule = keyRule(key, path);
    if (rule === 'unsafe') {
      // Never merged anywhere (a message given to write() may hold one; a decoded one cannot).
      visitor.unknownKey(path);
      continue;
    }
    if (rule === 'layout') {
      if (isMessageObject(value)) visitor.layout(flattenPaths(value));
      else visitor.badLayout();
      continue;
    }
    if (Array.isArray(value)) visitor.overwrite(path, value);
    else if (ArrayBuffer.isView(value)) visitor.overwrite(path, Array.from(value as unknown as ArrayLike<unknown>));
    else if (isMessageObject(value)) visitEntries(value, path, visitor);
    else if (rule === 'per-point') visitor.append(path, value as Scalar);
    else visitor.unknownKey(path);
  }
}

/** Walks a message object's keys in order and tells the visitor what each one asks for. */
export function visitMessage(message: Record<string, unknown>, visitor: MessageVisitor): void {
  visitEntries(message, '', visitor);
}

export type ParsedLine =
  | { kind: 'heartbeat' }
  | { kind: 'message'; message: Record<string, unknown> }
  | { kind: 'rejected'; error: MessageError };

/** Shortens a bad input for an error message, so a huge line never floods a log. */
export function preview(text: string, max = 80): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

/**
 * Parses one NDJSON line (without its newline). Whitespace-only lines are heartbeats. A line that is
 * not JSON, or is JSON but not an object, is rejected with the reason.
 */
export function parseLine(line: string): ParsedLine {
  if (line.trim() === '') return { kind: 'heartbeat' };
  // Each level takes two characters at least: a short line cannot be too deep (most lines are short).
  if (line.length > 2 * MAX_MESSAGE_DEPTH && textNestsDeeperThan(line, MAX_MESSAGE_DEPTH)) return tooDeep();
  let value: unknown;
  try {
    value = parseJson(line);
  } catch (error) {
    return {
      kind: 'rejected',
      error: {
        code: 'invalid-json',
        message: `not valid JSON (${(error as Error).message}): ${preview(line)}`,
      },
    };
  }
  return checkMessage(value);
}

/** The rejection of a message nested past `MAX_MESSAGE_DEPTH`. */
export function tooDeep(): { kind: 'rejected'; error: MessageError } {
  return {
    kind: 'rejected',
    error: { code: 'too-deep', message: `objects and arrays nest more than ${MAX_MESSAGE_DEPTH} levels deep` },
  };
}

/** True when JSON text opens more than `max` objects or arrays at once (brackets in strings do not count). */
export function textNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** True when a value nests objects or arrays more than `max` deep (walks no further than that). */
export function valueNestsDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false;
  if (max === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && valueNestsDeeperThan(item, max - 1)) return true;
    return false;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && valueNestsDeeperThan(item, max - 1)) return true;
  }
  return false;
}

/** Checks that a value is a message (a JSON object). */
export function checkMessage(
  value: unknown,
): { kind: 'message'; message: Record<string, unknown> } | { kind: 'rejected'; error: MessageError } {
  if (isMessageObject(value)) return { kind: 'message', message: value };
  const type = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return {
    kind: 'rejected',
    error: { code: 'not-an-object', message: `a message must be a JSON object, got ${type}` },
  };
}

/** Tokens name streams: URL-safe characters only, so they travel in query strings and positions unescaped. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_.~-]{1,128}$/;

/** `TOKEN_PATTERN` in words, for error messages. */
export const TOKEN_RULE = '1-128 characters of A-Z a-z 0-9 _ . ~ -';

export function isValidToken(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_PATTERN.test(token);
}
