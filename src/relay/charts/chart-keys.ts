/**
 * A hosted chart's id and keys: the id is its URL (short, random, hard to guess); the edit key is
 * shown once, to whoever made the chart, and only its hash is stored; a private chart's share key
 * goes in the links it is shared by. The names its viewers know its tokens by come from the edit
 * key's hash, which nobody outside the relay sees: a stream token (a write credential) cannot be
 * read back from its name.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { WriteKeys } from '../access/keys.js';

const ID_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** Characters of an id: 57^11, about 64 bits. */
export const CHART_ID_LENGTH = 11;

/** What an id looks like (checked before any lookup). */
export const CHART_ID_PATTERN = /^[A-Za-z0-9]{1,32}$/;

export function newChartId(): string {
  let id = '';
  for (let i = 0; i < CHART_ID_LENGTH; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

/** 256 random bits, base64url. */
export function newEditKey(): string {
  return randomBytes(32).toString('base64url');
}

/** 128 random bits, base64url. */
export function newShareKey(): string {
  return randomBytes(16).toString('base64url');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Whether `presented` is the key whose hash is `hash`, in constant time. */
export function matchesHash(presented: string, hash: string): boolean {
  const a = Buffer.from(sha256Hex(presented), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether two secrets are equal, in constant time. */
export function sameKey(presented: string, expected: string): boolean {
  return matchesHash(presented, sha256Hex(expected));
}

/** The name a chart's viewers know one of its tokens by: from the edit key's hash and the token. */
export function tokenName(editKeyHash: string, token: string): string {
  return `s-${createHash('sha256').update(`${editKeyHash}\n${token}`).digest('base64url').slice(0, 16)}`;
}

/**
 * Who a chart counts against (and whose names it is found among): the write key it was made with on
 * a relay with keys, or the client's address on an open relay.
 */
export function chartOwner(keys: WriteKeys | null, presented: string | null, address: string | undefined): string {
  if (keys !== null && keys.size > 0 && presented !== null) return `key:${sha256Hex(presented).slice(0, 16)}`;
  return `address:${address ?? 'unknown'}`;
}
