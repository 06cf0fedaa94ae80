/** What a `Subscription` is given (its limits and what it asked for) and whom it tells what happened to it. */
import type { ByteBudget } from '../byte-budget.js';

export interface SubscriptionEvents {
  /** The viewer was cut off for falling behind. */
  onTooSlow(tokens: readonly string[]): void;
  /** A `reset` was sent for a token. */
  onReset(token: string): void;
  /** Serving this viewer threw (a bug of the relay's): its connection ends (1011) and it resumes. */
  onError(error: unknown): void;
}

export interface SubscriptionOptions {
  /** Outgoing bytes a viewer may leave unread before it is cut off. */
  maxBufferedBytes: number;
  /** The viewer reads `run` events (it asked with `runs=1`): consecutive messages of a token go as one. */
  runs?: boolean;
  /** The viewer also reads runs with `columns` (it asked with `columns=1` too; only with `runs`). */
  columns?: boolean;
  /** What waits for all viewers together: every write of this one is admitted by it first. */
  budget?: ByteBudget;
  /**
   * The names the viewer knows its tokens by, when not the tokens themselves (a hosted chart's
   * viewers never see its stream tokens, which are write credentials): every event, ready and
   * position names a token so. A token without a name here goes by itself.
   */
  names?: ReadonlyMap<string, string>;
}
