import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseKeys } from '../../../src/relay/keys.js';

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
});
