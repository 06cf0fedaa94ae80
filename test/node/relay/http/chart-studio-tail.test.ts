import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CHART_STUDIO_TAIL,
  isChartStudioTail,
  type HttpParseError,
} from '../../../../src/relay/http/chart-studio-tail.js';

/** A parse error as Node gives it to `clientError`: the read's bytes and where the parser stopped. */
function parseError(packet: string, bytesParsed: number, code = 'HPE_INVALID_CHUNK_SIZE'): HttpParseError {
  return Object.assign(new Error('Parse Error'), { code, rawPacket: Buffer.from(packet, 'latin1'), bytesParsed });
}

describe('isChartStudioTail', () => {
  const lastChunk = '8\r\n{"y":1}\n\r\n';

  it('finds the tail where the parser stopped, after the last chunk in the same read', () => {
    assert.ok(isChartStudioTail(parseError(lastChunk + CHART_STUDIO_TAIL, lastChunk.length)));
  });

  it('finds it alone in its read, and cut short by TCP', () => {
    assert.ok(isChartStudioTail(parseError(CHART_STUDIO_TAIL, 0)));
    assert.ok(isChartStudioTail(parseError('\r\n0\r', 0)));
  });

  it('is not fooled by other parse errors or other bytes', () => {
    assert.equal(isChartStudioTail(parseError(lastChunk + 'zz\r\n', lastChunk.length)), false);
    assert.equal(isChartStudioTail(parseError(lastChunk + CHART_STUDIO_TAIL + 'more', lastChunk.length)), false);
    assert.equal(isChartStudioTail(parseError(CHART_STUDIO_TAIL, 0, 'HPE_HEADER_OVERFLOW')), false);
    assert.equal(isChartStudioTail(parseError('', 0)), false);
  });
});
