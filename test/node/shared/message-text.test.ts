import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  columnPrefixes,
  flatKeys,
  MAX_COLUMN_KEYS,
  readColumns,
  readTightColumns,
} from '../../../src/shared/message-text.js';

describe('reading message texts without parsing them', () => {
  it('flatKeys: the keys of a flat object of scalars, as written; null for anything else', () => {
    assert.deepEqual(flatKeys('{"x":1,"y":2}'), ['"x"', '"y"']);
    assert.deepEqual(flatKeys(' { "y" : "a,}\\"b" , "t" : null , "ok": true } '), ['"y"', '"t"', '"ok"']);
    assert.deepEqual(flatKeys('{"marker.color":"red"}'), ['"marker.color"']);
    for (const text of [
      '{}',
      '[1,2]',
      '3',
      '{"y":[1,2]}',
      '{"marker":{"color":"red"}}',
      '{"layout":1}',
      '{"__proto__":1}',
      '{"\\u0079":1}',
      '{"y":1,"y":2}',
      '{"y":1} x',
    ])
      assert.equal(flatKeys(text), null, text);
  });

  it('readColumns: appends each value as written, or nothing when the message has other keys, another order, or a non-scalar', () => {
    const columns: string[][] = [[], []];
    const keys = ['"x"', '"y"'];
    assert.equal(readColumns('{"x":1.50,"y":"a\\"b"}', keys, columns), true);
    assert.equal(readColumns('{ "x" : -0 , "y" : 1e400 }', keys, columns), true);
    for (const text of ['{"y":1,"x":2}', '{"x":1}', '{"x":1,"y":2,"z":3}', '{"x":1,"y":[2]}', '{"x":1,"y":2}x'])
      assert.equal(readColumns(text, keys, columns), false, text);
    assert.deepEqual(columns, [
      ['1.50', '-0'],
      ['"a\\"b"', '1e400'],
    ]);
  });

  it(`flatKeys: a message of more than ${MAX_COLUMN_KEYS} keys stays a message (its keys are not checked pairwise)`, () => {
    const keys = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`;
    assert.equal(flatKeys(keys(MAX_COLUMN_KEYS))?.length, MAX_COLUMN_KEYS);
    assert.equal(flatKeys(keys(MAX_COLUMN_KEYS + 1)), null);
    assert.equal(flatKeys(keys(50_000)), null);
  });

  it('readTightColumns: the same values as readColumns for texts without spaces; nothing for any other', () => {
    const keys = ['"x"', '"y"'];
    const prefixes = columnPrefixes(keys);
    assert.deepEqual(prefixes, ['{"x":', ',"y":']);
    const tight: string[][] = [[], []];
    const general: string[][] = [[], []];
    for (const text of ['{"x":1.50,"y":"a\\"b,}"}', '{"x":-0,"y":null}', '{"x":1e400,"y":true}']) {
      assert.equal(readTightColumns(text, prefixes, tight), true, text);
      assert.equal(readColumns(text, keys, general), true, text);
    }
    assert.deepEqual(tight, general);
    for (const text of [
      '{ "x":1,"y":2}',
      '{"x":1,"y":2} ',
      '{"x":1,"y":2,"z":3}',
      '{"x":1}',
      '{"y":1,"x":2}',
      '{"x":[1],"y":2}',
    ])
      assert.equal(readTightColumns(text, prefixes, tight), false, text);
    assert.deepEqual(tight, general, 'nothing appended by the texts it refused');
  });
});
