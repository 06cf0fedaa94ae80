/** The bench's trace summary: where the page's main thread spent a Chromium trace. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mainThreadBreakdown, type TraceEvent } from '../../bench/lib/trace-summary.js';

const thread = (pid: number, tid: number, name: string): TraceEvent => ({
  name: 'thread_name',
  ph: 'M',
  pid,
  tid,
  ts: 0,
  args: { name },
});
const span = (name: string, ts: number, dur: number, tid = 1): TraceEvent => ({ name, ph: 'X', pid: 7, tid, ts, dur });

describe('mainThreadBreakdown', () => {
  it("sums each event's own time on the renderer's main thread by name, largest first", () => {
    const events = [
      thread(7, 1, 'CrRendererMain'),
      thread(7, 2, 'Compositor'),
      // A task of 10 ms: 6 of script, of which 2 of forced layout; then 3 of paint in another task.
      span('RunTask', 0, 10_000),
      span('FunctionCall', 1_000, 6_000),
      span('Layout', 3_000, 2_000),
      span('RunTask', 12_000, 4_000),
      span('Paint', 12_500, 3_000),
      span('Paint', 0, 50_000, 2), // another thread: not counted
      { name: 'Instant', ph: 'I', pid: 7, tid: 1, ts: 5_000 },
    ];
    const rows = mainThreadBreakdown(events);
    assert.deepEqual(
      rows.map((r) => [r.name, r.ms]),
      [
        ['FunctionCall', 4],
        ['RunTask', 5],
        ['Paint', 3],
        ['Layout', 2],
      ].sort((a, b) => (b[1] as number) - (a[1] as number)),
    );
    // Of the 16 ms from the first event to the last.
    assert.equal(rows.find((r) => r.name === 'Paint')?.share, 3 / 16);
  });

  it('gives nothing for a trace without the main thread or its events', () => {
    assert.deepEqual(mainThreadBreakdown([]), []);
    assert.deepEqual(mainThreadBreakdown([thread(7, 1, 'CrRendererMain')]), []);
  });
});
