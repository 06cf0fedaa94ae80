import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { describe, it } from 'node:test';
import { checkWriteKey, parseKeys } from '../../../../src/relay/access/keys.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('write keys', () => {
  it('parses token=key pairs with comments', () => {
    assert.deepEqual(
      [...parseKeys('a=1, b = two\n# note\nc=3 # trailing\n;*=all')],
      [
        ['a', '1'],
        ['b', 'two'],
        ['c', '3'],
        ['*', 'all'],
      ],
    );
    assert.throws(() => parseKeys('nokey'), /not token=key/);
    assert.throws(() => parseKeys('a='), /not token=key/);
  });

  it('checks the key of the token, else of *, from either header', () => {
    const keys = new Map([
      ['a', 'key-a'],
      ['*', 'key-any'],
    ]);
    assert.equal(checkWriteKey(keys, 'a', request({ 'plotly-streamkey': 'key-a' })), null);
    assert.equal(checkWriteKey(keys, 'b', request({ authorization: 'Bearer key-any' })), null);
    assert.match(checkWriteKey(keys, 'a', request({ 'plotly-streamkey': 'key-any' })) ?? '', /wrong write key/);
    assert.match(checkWriteKey(keys, 'a', request({})) ?? '', /needs a write key/);
    assert.match(checkWriteKey(new Map([['a', 'k']]), 'b', request({})) ?? '', /no write key is configured/);
  });

  it('compares in constant time whatever the lengths (no early answer that leaks the length)', () => {
    const compared: Array<[number, number]> = [];
    const original = crypto.timingSafeEqual;
    crypto.timingSafeEqual = (a, b) => {
      compared.push([a.byteLength, b.byteLength]);
      return original(a, b);
    };
    syncBuiltinESMExports();
    try {
      const keys = new Map([['a', 'a-rather-long-write-key']]);
      for (const presented of ['x', 'a-rather-long-write-kez', 'a-rather-long-write-key-and-more'])
        assert.match(checkWriteKey(keys, 'a', request({ 'plotly-streamkey': presented })) ?? '', /wrong/);
      assert.equal(checkWriteKey(keys, 'a', request({ 'plotly-streamkey': 'a-rather-long-write-key' })), null);
    } finally {
      crypto.timingSafeEqual = original;
      syncBuiltinESMExports();
    }
    assert.equal(compared.length, 4, 'every comparison goes through timingSafeEqual, short keys too');
    for (const [a, b] of compared) assert.equal(a, b);
  });
});
