/**
 * The relay as a user runs it (a process of its own, TLS, so HTTP/1.1, WebSocket and HTTP/2) under
 * every hostile client at once (scripts/hostile.ts): bad request targets, prototype messages,
 * viewers that stop reading, HTTP/2 floods, token floods, bad lines. A normal producer and viewers
 * lose nothing, the relay never exits, holds nothing for viewers it cut off, and stays under the
 * memory bound the README documents for its limits. (`npm run bench` reports the same, longer.)
 * The held-viewer check is tested too: with limits too large to cut anyone, it finds them all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HOSTILE, formatHostileReport, runHostileSuite } from '../../../scripts/hostile.js';

describe('a relay under the whole hostile suite at once', () => {
  it(
    'keeps serving a normal producer and viewers with nothing lost, never exits, stays under its memory bound',
    { timeout: 180_000 },
    async () => {
      const report = await runHostileSuite({ ...DEFAULT_HOSTILE, seconds: 20 });
      const text = formatHostileReport(report);
      assert.deepEqual(report.failures, [], text);
      assert.equal(report.relayExited, false, text);
      assert.equal(report.normal.websocket, report.normal.sent, text);
      assert.equal(report.normal.sse, report.normal.sent, text);
      assert.equal(report.stuckHeld, 0, text);
      assert.ok(report.memory.peakMiB <= report.memory.boundMiB, text);
      // Each attack ran, and each bound was met (refusals counted by the relay's own metrics).
      for (const attack of [
        'bad targets',
        'bad h2 paths',
        'prototype messages',
        'rapid resets',
        'settings frames',
        'flood tokens',
        'bad lines',
        'hoarded line bytes',
        'chart bodies not JSON',
        'clientresp forms not JSON',
      ])
        assert.ok((report.attacks[attack] ?? 0) > 0, `${attack} ran: ${text}`);
      for (const refusal of ['outgoing-budget', 'line-budget', 'headers-timeout'])
        assert.ok((report.refused[refusal] ?? 0) > 0, `${refusal} refused someone: ${text}`);
    },
  );

  it('sees a relay that holds viewers that stopped reading (limits too large to cut them), each by its own socket', async () => {
    const GiB = 1024 ** 3;
    const report = await runHostileSuite({
      ...DEFAULT_HOSTILE,
      seconds: 3,
      attacks: ['stuck'],
      limits: { ...DEFAULT_HOSTILE.limits, maxBufferedBytes: GiB, maxTotalBufferedBytes: 4 * GiB },
    });
    assert.equal(report.stuckHeld, report.stuckViewers, formatHostileReport(report));
    assert.ok(report.stuckHeldStates.every((s) => /^ESTABLISHED \(\d+ queued\)$/.test(s)));
    assert.match(report.failures.join('\n'), /the relay still holds \d+ connections to viewers that stopped reading/);
  });
});
