/**
 * Where a viewer's replay of a token starts: just after its resume position when the history still
 * holds what follows it (the same epoch, nothing dropped in between), else a reset and the whole
 * window. Nothing for a token never written (in any epoch it still has): its first message brings
 * the epoch it starts (with Redis the first write makes it), then one reset, then the data.
 */
import type { Position } from '../../shared/protocol.js';
import type { History } from '../engines/engine.js';

export interface ReplayStart {
  /** Send the held messages after this offset. */
  after: number;
  /** Send a reset (naming the epoch and `after`) first: the viewer cannot resume. */
  reset: boolean;
}

export function replayStart(history: History, position: Position | undefined): ReplayStart | null {
  const first = history.entries[0]?.offset ?? history.lastOffset + 1;
  const resumable =
    position !== undefined &&
    position.epoch === history.epoch &&
    position.offset + 1 >= first &&
    position.offset <= history.lastOffset;
  if (resumable) return { after: position.offset, reset: false };
  if (history.lastOffset > 0) return { after: first - 1, reset: true };
  return null;
}
