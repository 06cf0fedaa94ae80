import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter } from '../../../src/relay/line-splitter.js';

function split(chunks: Array<string | Buffer>, max = 16) {
  const lines: string[] = [];
  const tooLong: number[] = [];
  const splitter = new LineSplitter(
    max,
    (l) => lines.push(l),
    (n) => tooLong.push(n),
  );
  for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  splitter.end();
  return { lines, tooLong };
}

describe('LineSplitter', () => {
  it('splits across chunk boundaries and keeps a last line without newline', () => {
    assert.deepEqual(split(['{"a"', ':1}\n{"b":2}\n\n{"c"', ':3}']).lines, ['{"a":1}', '{"b":2}', '', '{"c":3}']);
  });

  it('decodes a UTF-8 character split between chunks', () => {
    const bytes = Buffer.from('{"t":"°C"}\n');
    assert.deepEqual(split([bytes.subarray(0, 7), bytes.subarray(7)]).lines, ['{"t":"°C"}']);
  });

  it('drops an over-long line alone, even when it spans chunks', () => {
    const result = split(['{"a":1}\n', 'x'.repeat(10), 'y'.repeat(10), 'z\n{"b":2}\n'], 16);
    assert.deepEqual(result.lines, ['{"a":1}', '{"b":2}']);
    assert.deepEqual(result.tooLong, [21]);
  });

  it('keeps CR of CRLF lines (JSON parsing ignores it)', () => {
    assert.deepEqual(split(['{"a":1}\r\n']).lines, ['{"a":1}\r']);
  });
});
