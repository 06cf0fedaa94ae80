/**
 * The relay process's garbage, held to a share of what is live: V8 collects its old generation
 * once the heap has grown `percent` past what the last full collection left (V8's own
 * `--heap-growing-percent`). Process-wide: the CLI sets it (--heap-growth); code that embeds a
 * relay decides for its own process (`node --heap-growing-percent=25` does the same at start).
 */
import { setFlagsFromString } from 'node:v8';

/** The most `limitHeapGrowth` takes: a growth this large is no limit any more. */
export const MAX_HEAP_GROWTH_PERCENT = 1000;

/** A growth `limitHeapGrowth` takes: a whole percent from 0 to `MAX_HEAP_GROWTH_PERCENT`. */
export function isHeapGrowthPercent(percent: number): boolean {
  return Number.isInteger(percent) && percent >= 0 && percent <= MAX_HEAP_GROWTH_PERCENT;
}

/** Sets the process's heap growth; 0 gives V8's own rule back. A wrong value throws a RangeError. */
export function limitHeapGrowth(percent: number): void {
  if (!isHeapGrowthPercent(percent))
    throw new RangeError(`the heap growth is a whole percent from 0 to ${MAX_HEAP_GROWTH_PERCENT}, got ${percent}`);
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
