/** TimestampConverter: `plotly-convertTimestamp` read as the Arduino libraries send it, x made a date plotly.js reads. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FALLBACK_TIME_ZONE, TimestampConverter } from '../../../../src/relay/producers/timestamps.js';

const start = Date.UTC(2026, 2, 8, 6, 59, 59, 500); // 01:59:59.500 in Montreal, half a second before DST starts

describe('TimestampConverter', () => {
  it("reads the zone with or without the libraries' quotes, and writes the request's start plus x in it", () => {
    for (const header of ['"America/Montreal"', 'America/Montreal', ' "America/Montreal" ']) {
      const converter = new TimestampConverter(header, start);
      assert.equal(converter.zone, 'America/Montreal');
      assert.equal(converter.fallbackReason, null);
      assert.equal(converter.convert(0), '2026-03-08 01:59:59.500');
      // Across the change to daylight time: 02:00 does not exist there, 03:00 follows 01:59:59.999.
      assert.equal(converter.convert(600), '2026-03-08 03:00:00.100');
    }
    assert.equal(new TimestampConverter('UTC', start).convert(1), '2026-03-08 06:59:59.501');
  });

  it('leaves an x that is not a finite number as it is', () => {
    const converter = new TimestampConverter('UTC', start);
    for (const x of ['12', null, true, Number.NaN, Number.POSITIVE_INFINITY, 1e300])
      assert.equal(converter.convert(x), x);
  });

  it("falls back to Plotly's zone, saying why, for a name that is no zone (or far too long to be one)", () => {
    for (const header of ['Mars/Olympus', '', '"', 'x'.repeat(10_000)]) {
      const converter = new TimestampConverter(header, start);
      assert.equal(converter.zone, FALLBACK_TIME_ZONE);
      assert.match(converter.fallbackReason ?? '', /names no time zone the relay knows/);
      assert.ok((converter.fallbackReason ?? '').length < 300, 'the reason quotes a bounded part of the header');
      assert.equal(converter.convert(0), '2026-03-08 01:59:59.500');
    }
  });
});
