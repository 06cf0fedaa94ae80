import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryEngine } from '../../src/relay/engine.js';
import { parseKeys } from '../../src/relay/keys.js';
import { LineSplitter } from '../../src/relay/line-splitter.js';

function split(chunks: Array<string | Buffer>, max = 16) {
  const lines: string[] = [];
  const tooLong: number[] = [];
  const splitter = new LineSplitter(max, (l) => lines.push(l), (n) => tooLong.push(n));
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

describe('MemoryEngine', () => {
  it('numbers messages from 1 per token, bounds history by count and bytes, tells listeners in order', () => {
    const engine = new MemoryEngine({ messages: 3, bytes: 1000 });
    const seen: number[] = [];
    engine.listen('A', (_epoch, m) => seen.push(m.offset));
    for (let i = 1; i <= 5; i++) engine.publish('A', `{"y":${i}}`);
    engine.publish('B', '{"y":1}');
    const history = engine.history('A');
    assert.deepEqual(history.entries.map((m) => m.offset), [3, 4, 5]);
    assert.equal(history.lastOffset, 5);
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    assert.equal(engine.history('B').entries[0]?.offset, 1);
    assert.notEqual(engine.history('A').epoch, '');
    const bytes = new MemoryEngine({ messages: 100, bytes: 20 });
    for (let i = 0; i < 10; i++) bytes.publish('A', '{"y":123456}');
    assert.equal(bytes.size('A').messages, 1);
    assert.ok(bytes.size('A').bytes <= 20);
  });

  it('stays correct through compaction of a long stream', () => {
    const engine = new MemoryEngine({ messages: 10, bytes: 1e9 });
    for (let i = 1; i <= 5000; i++) engine.publish('A', `{"y":${i}}`);
    assert.deepEqual(engine.history('A').entries.map((m) => m.offset), Array.from({ length: 10 }, (_, i) => 4991 + i));
  });

  it('an empty token has an epoch and no history', () => {
    const history = new MemoryEngine({ messages: 1, bytes: 1 }).history('none');
    assert.equal(history.lastOffset, 0);
    assert.deepEqual(history.entries, []);
    assert.match(history.epoch, /^[A-Za-z0-9_-]+$/);
  });
});

describe('write keys', () => {
  it('parses token=key pairs with comments', () => {
    assert.deepEqual([...parseKeys('a=1, b = two\n# note\nc=3 # trailing\n;*=all')], [
      ['a', '1'],
      ['b', 'two'],
      ['c', '3'],
      ['*', 'all'],
    ]);
    assert.throws(() => parseKeys('nokey'), /not token=key/);
    assert.throws(() => parseKeys('a='), /not token=key/);
  });
});
