/**
 * Optional write keys: when configured, an ingest must present its token's key (header
 * `plotly-streamkey`, or `Authorization: Bearer KEY`). A `*` entry is the key of every token not
 * listed. Viewers never see keys: subscribing needs none.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';

export type WriteKeys = ReadonlyMap<string, string>;

/** Parses `token=key` pairs separated by commas, semicolons or newlines (`#` starts a comment). */
export function parseKeys(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const raw of text.split(/[\n,;]/)) {
    const item = raw.replace(/#.*/, '').trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) throw new Error(`write keys: "${item}" is not token=key`);
    keys.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  return keys;
}

/** Reads keys from a file: a JSON object `{"token": "key"}` or `token=key` lines. */
export function loadKeysFile(path: string): Map<string, string> {
  const text = readFileSync(path, 'utf8');
  if (text.trimStart().startsWith('{')) {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error(`${path}: expected {"token": "key"}`);
    const keys = new Map<string, string>();
    for (const [token, key] of Object.entries(value)) {
      if (typeof key !== 'string' || key === '')
        throw new Error(`${path}: the key of "${token}" must be a non-empty string`);
      keys.set(token, key);
    }
    return keys;
  }
  return parseKeys(text);
}

/** The write key a request carries: `plotly-streamkey`, or `Authorization: Bearer`. */
export function presentedKey(req: IncomingMessage): string | null {
  const header = req.headers['plotly-streamkey'];
  if (typeof header === 'string' && header !== '') return header;
  const auth = req.headers.authorization;
  const match = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return match ? (match[1] as string).trim() : null;
}

/**
 * Compares digests of equal length, so neither a key's bytes nor its length leak through timing
 * (comparing lengths first would tell an attacker how long the key is).
 */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** Null when the ingest may write, else why not. */
export function checkWriteKey(keys: WriteKeys | null, token: string, req: IncomingMessage): string | null {
  return writeKeyRefusal(keys, token, presentedKey(req));
}

/** Null when `presented` (a write key sent some other way, as Plotly's form sends it) may write `token`, else why not. */
export function writeKeyRefusal(keys: WriteKeys | null, token: string, presented: string | null): string | null {
  if (keys === null || keys.size === 0) return null;
  const expected = keys.get(token) ?? keys.get('*');
  if (expected === undefined) return `no write key is configured for token "${token}"`;
  if (presented === null) return 'this relay needs a write key: send it as plotly-streamkey or Authorization: Bearer';
  return sameSecret(presented, expected) ? null : 'wrong write key for this token';
}

/** Whether `presented` is one of the relay's write keys (what makes a chart without tokens on a relay with keys). */
export function isWriteKey(keys: WriteKeys, presented: string): boolean {
  let found = false;
  // Every key compared, so timing tells nothing of which one matched.
  for (const expected of new Set(keys.values())) if (sameSecret(presented, expected)) found = true;
  return found;
}

/**
 * With write keys, why `presented` may not make (or remake) a chart of these tokens: it must be each
 * token's key, and, for a chart of no token, one of the relay's keys. Null when it may.
 */
export function chartKeyRefusal(keys: WriteKeys | null, tokens: string[], presented: string | null): string | null {
  if (keys === null || keys.size === 0) return null;
  if (presented === null) return 'this relay has write keys: making a chart needs one';
  for (const token of tokens) {
    const refused = writeKeyRefusal(keys, token, presented);
    if (refused !== null) return `${refused} (a chart may show only tokens its maker may write)`;
  }
  return tokens.length > 0 || isWriteKey(keys, presented) ? null : "this is not one of the relay's write keys";
}
