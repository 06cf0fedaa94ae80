/**
 * `limitHeapGrowth` (the CLI's --heap-growth): a process holding a live heap and making garbage
 * that outlives the young generation peaks far lower with the CLI's default than with V8's own
 * rule. Each runs in a child process of its own (the setting is process-wide); the same program,
 * so the ratio is what the setting does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_HEAP_GROWTH_PERCENT } from '../../../src/relay/constants.js';
import { limitHeapGrowth } from '../../../src/relay/heap-growth.js';

const module = fileURLToPath(new URL('../../../src/relay/heap-growth.ts', import.meta.url));

/** The child's peak heap in MiB: 64 MiB live, then arrays that live a while and die (what a relay's queues and parsed figures do). */
function peakHeapMiB(percent: number): number {
  const program = `
    import { limitHeapGrowth } from ${JSON.stringify(module)};
    limitHeapGrowth(${percent});
    const live = Array.from({ length: 64 }, (_, i) => new Array(128 * 1024).fill(i));
    let held = [];
    let peak = 0;
    for (let round = 0; round < 8000; round++) {
      held.push(Array.from({ length: 1000 }, (_, j) => ({ j })));
      if (held.length > 1000) held = held.slice(500);
      if (round % 20 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    console.log(live.length && Math.round(peak / 2 ** 20));
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  return Number(child.stdout.trim());
}

describe('limitHeapGrowth', () => {
  it("holds a process's garbage to far less than V8's own rule does", () => {
    const own = peakHeapMiB(0);
    const limited = peakHeapMiB(DEFAULT_HEAP_GROWTH_PERCENT);
    assert.ok(
      limited < own * 0.75,
      `peak heap ${limited} MiB with ${DEFAULT_HEAP_GROWTH_PERCENT} %, ${own} MiB with V8's rule`,
    );
  });

  it('takes a whole percent from 0 to 1000 and nothing else', () => {
    for (const wrong of [-1, 2.5, 1001, Number.NaN])
      assert.throws(() => limitHeapGrowth(wrong), /whole percent from 0 to 1000/, String(wrong));
  });
});
