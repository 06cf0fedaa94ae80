import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { LineSplitter } from '../../../../src/relay/producers/line-splitter.js';

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

  it('a line sent a byte per chunk costs about its own length, not an object per byte', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const line = Buffer.from(`{"t":"${'x'.repeat(1024 * 1024 - 9)}"}\n`);
    let got = '';
    const splitter = new LineSplitter(
      2 * 1024 * 1024,
      (l) => (got = l),
      () => assert.fail('too long'),
    );
    gc();
    const before = process.memoryUsage();
    // Everything but the newline, a byte at a time: the line is pending, held by the splitter.
    for (let i = 0; i < line.length - 1; i++) splitter.push(line.subarray(i, i + 1));
    gc();
    const after = process.memoryUsage();
    const held = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    assert.ok(held < 8 * 1024 * 1024, `${(held / 1048576).toFixed(1)} MiB held for a 1 MiB line`);
    assert.equal(splitter.pendingBytes, line.length - 1);
    splitter.push(line.subarray(line.length - 1));
    assert.equal(got.length, line.length - 1);
    assert.equal(splitter.pendingBytes, 0);
  });

  it('keeps CR of CRLF lines (JSON parsing ignores it)', () => {
    assert.deepEqual(split(['{"a":1}\r\n']).lines, ['{"a":1}\r']);
  });
});

describe('LineSplitter, for any input (fast-check)', () => {
  /** Lines (any bytes but the newline, some past the limit) and where the stream is cut into chunks. */
  const stream = fc.record({
    lines: fc.array(
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b.map((x) => (x === 0x0a ? 0x20 : x)))),
      {
        maxLength: 30,
      },
    ),
    cuts: fc.array(fc.nat(), { maxLength: 20 }),
    max: fc.integer({ min: 1, max: 32 }),
  });

  it('gives each line whole, in order, wherever the chunks are cut; a line past the limit is reported alone', () => {
    fc.assert(
      fc.property(stream, ({ lines, cuts, max }) => {
        const body = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));
        const points = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points, body.length]
          .slice(1)
          .map((end, i, all) => body.subarray(i === 0 ? 0 : all[i - 1], end));
        const got = split(chunks, max);
        const expected = lines.filter((l) => l.length <= max).map((l) => l.toString('utf8'));
        assert.deepEqual(got.lines, expected);
        assert.deepEqual(
          got.tooLong,
          lines.filter((l) => l.length > max).map((l) => l.length),
        );
      }),
      { numRuns: 300 },
    );
  });
});
