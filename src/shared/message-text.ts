/**
 * Reading a message's JSON text without parsing it, for the relay's runs with columns: is it a flat
 * object of scalar values, and what are its keys and each value's text, as written. The relay keeps
 * messages as the producer's texts; copying value texts (not parsed and re-written numbers) keeps
 * the viewer's parse exactly what parsing the message would give, and costs a fraction of a parse.
 */
import { notAColumn } from './messages.js';

/**
 * Messages with more keys than this stay messages: a message's keys are checked for repeats, which
 * grows with their square, and no trace has this many per-point keys.
 */
export const MAX_COLUMN_KEYS = 64;

const enum Char {
  Quote = 0x22,
  Backslash = 0x5c,
  Comma = 0x2c,
  Colon = 0x3a,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
  OpenBracket = 0x5b,
}

function skipSpace(text: string, at: number): number {
  let i = at;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** Where the JSON string starting at `at` (its quote) ends, after its closing quote; -1 if it does not. */
function stringEnd(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === Char.Backslash) i++;
    else if (c === Char.Quote) return i + 1;
  }
  return -1;
}

/** Where the scalar value starting at `at` ends (a string, a number, true, false, null); -1 for an object or array. */
function scalarEnd(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c === Char.OpenBrace || c === Char.OpenBracket) return -1;
  if (c === Char.Quote) return stringEnd(text, at);
  let i = at;
  for (;;) {
    const d = text.charCodeAt(i);
    if (
      d === Char.Comma ||
      d === Char.CloseBrace ||
      d === 0x20 ||
      d === 0x0a ||
      d === 0x0d ||
      d === 0x09 ||
      i >= text.length
    )
      return i === at ? -1 : i;
    i++;
  }
}

/**
 * The keys of a message's text (valid JSON: the relay stores only such), as written, quotes
 * included, when it is a flat object of scalar values with at least one key, none escaped (so a
 * key's text is its name), none twice and none that cannot be a column; else null. Read, not parsed.
 */
export function flatKeys(text: string): string[] | null {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== Char.OpenBrace) return null;
  const keys: string[] = [];
  for (i = skipSpace(text, i + 1); ; i = skipSpace(text, i + 1)) {
    if (text.charCodeAt(i) !== Char.Quote) return null; // the `}` of an empty object
    const keyEnd = stringEnd(text, i);
    if (keyEnd === -1) return null;
    const key = text.slice(i, keyEnd);
    if (keys.length === MAX_COLUMN_KEYS) return null;
    if (key.includes('\\') || notAColumn(key.slice(1, -1)) || keys.includes(key)) return null;
    keys.push(key);
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== Char.Colon) return null;
    i = scalarEnd(text, skipSpace(text, i + 1));
    if (i === -1) return null;
    i = skipSpace(text, i);
    if (text.charCodeAt(i) === Char.Comma) continue;
    if (text.charCodeAt(i) !== Char.CloseBrace) return null;
    return skipSpace(text, i + 1) === text.length ? keys : null;
  }
}

/**
 * Appends a message's values to `columns` (one list per key) when its text has exactly `keys`, in
 * that order, each with a scalar value; else appends nothing and returns false.
 */
export function readColumns(text: string, keys: readonly string[], columns: string[][]): boolean {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== Char.OpenBrace) return false;
  // Values pushed so far for this message: taken back if it turns out not to fit.
  let pushed = 0;
  for (i = skipSpace(text, i + 1); pushed < keys.length;) {
    const key = keys[pushed] as string;
    if (!text.startsWith(key, i)) break;
    i = skipSpace(text, i + key.length);
    if (text.charCodeAt(i) !== Char.Colon) break;
    const start = skipSpace(text, i + 1);
    const end = scalarEnd(text, start);
    if (end === -1) break;
    (columns[pushed] as string[]).push(text.slice(start, end));
    pushed++;
    i = skipSpace(text, end);
    const c = text.charCodeAt(i);
    i = skipSpace(text, i + 1);
    if (pushed === keys.length) {
      if (c === Char.CloseBrace && i === text.length) return true;
      break;
    }
    if (c !== Char.Comma) break;
  }
  for (let k = 0; k < pushed; k++) (columns[k] as string[]).pop();
  return false;
}

/**
 * What `readColumns` does for a message written without spaces (`{"x":1,"y":2}`, as most producers
 * write), a quarter faster: `prefixes` are `{` + the first key + `:`, then `,` + each other key + `:`
 * (see `columnPrefixes`). False, and nothing appended, for any other text (then try `readColumns`).
 */
export function readTightColumns(text: string, prefixes: readonly string[], columns: string[][]): boolean {
  let i = 0;
  let pushed = 0;
  for (; pushed < prefixes.length; pushed++) {
    const prefix = prefixes[pushed] as string;
    if (!text.startsWith(prefix, i)) break;
    i += prefix.length;
    const end = scalarEnd(text, i);
    if (end === -1) break;
    (columns[pushed] as string[]).push(text.slice(i, end));
    i = end;
  }
  if (pushed === prefixes.length && i === text.length - 1 && text.charCodeAt(i) === Char.CloseBrace) return true;
  for (let k = 0; k < pushed; k++) (columns[k] as string[]).pop();
  return false;
}

/** The prefixes `readTightColumns` looks for, from keys as `flatKeys` gives them. */
export function columnPrefixes(keys: readonly string[]): string[] {
  return keys.map((key, k) => `${k === 0 ? '{' : ','}${key}:`);
}
