/**
 * What one viewer may have waiting for it: its own limit (`maxBufferedBytes`), with a replay's bytes
 * on top until the viewer has read them down to the limit (a replay is bounded by the history limits,
 * and a viewer must be able to take one larger than its limit to ever join), and its share of the
 * relay's outgoing budget, asked at every write.
 */
import type { BudgetAccount, BudgetMember, ByteBudget } from '../byte-budget.js';

/** `ok`: it may wait; `too-slow`: past the viewer's own limit; `cut`: the relay's budget cut the viewer off (it was told). */
export type AllowanceVerdict = 'ok' | 'too-slow' | 'cut';

export class ViewerAllowance {
  readonly maxBufferedBytes: number;
  readonly #budget: ByteBudget | null;
  readonly #account: BudgetAccount | null;
  /** Bytes of the replay still allowed beyond the limit. */
  #replayBytes = 0;

  constructor(maxBufferedBytes: number, budget: ByteBudget | null, viewer: BudgetMember) {
    this.maxBufferedBytes = maxBufferedBytes;
    this.#budget = budget;
    this.#account = budget?.open(viewer) ?? null;
  }

  /**
   * Whether `waiting` bytes may wait for the viewer, `held` of them queued or unflushed already.
   * `replay`: bytes of a replay being written (allowed past the limit; the budget still asked).
   */
  check(waiting: number, held: number, replay = 0): AllowanceVerdict {
    if (replay > 0) this.#replayBytes += replay;
    else {
      // The viewer has read its replay down to the limit: the limit alone holds.
      if (this.#replayBytes > 0 && held <= this.maxBufferedBytes) this.#replayBytes = 0;
      if (waiting > this.maxBufferedBytes + this.#replayBytes) return 'too-slow';
    }
    return this.#account === null || (this.#budget as ByteBudget).admit(this.#account, waiting) ? 'ok' : 'cut';
  }

  /** The viewer is gone: it holds nothing of the budget. */
  leave(): void {
    if (this.#account !== null) this.#budget?.close(this.#account);
  }
}
