/**
 * A total the relay's memory holds, kept at every write rather than looked at now and then, and
 * who is cut off past it. Two of them: the outgoing budget (`maxTotalBufferedBytes`: what waits for
 * all viewers together, queued in their subscriptions or handed to their sockets and not yet
 * flushed; each viewer's own limit alone would let a thousand viewers that never read hold a
 * thousand times that) and the ingest budget (`maxTotalLineBytes`: the parts of lines producers
 * have started and not ended, each up to `maxLineBytes`).
 *
 * Kept cheap at the hot path: each member reports what it holds when that grows, and the budget adds
 * up the last reports. What a member holds only shrinks between its reports (the network drains a
 * viewer's bytes; a producer's line ends), so that sum is never below the truth. Only when it passes
 * the limit are the members asked exactly; if they are still over, those holding the most are cut off
 * until the total is back under a low-water mark (15/16 of the limit), so the next exact count is at
 * least 1/16 of the limit of writes away.
 */

/** A viewer or a producer, as the budget sees it. */
export interface BudgetMember {
  /** Bytes it holds now (a viewer: queued, and written but not yet flushed). */
  readonly bufferedBytes: number;
  /** Ends it for holding the most when the relay as a whole holds too much. */
  cutOff(reason: string): void;
}

/** A member's place in the budget: what it last reported. */
export class BudgetAccount {
  readonly member: BudgetMember;
  /** What the member said it had waiting at its last write. */
  reported = 0;
  open = true;

  constructor(member: BudgetMember) {
    this.member = member;
  }
}

export interface ByteBudgetOptions {
  /** Why a member is cut off, for it (a close reason, an ingest's summary) and the log. */
  reason(limit: number, held: number): string;
  /** Hears of each member cut off (metrics), before the member is told. */
  onCut?(member: BudgetMember): void;
}

export class ByteBudget {
  readonly limit: number;
  readonly #lowWater: number;
  readonly #options: ByteBudgetOptions;
  readonly #accounts = new Set<BudgetAccount>();
  /** The sum of the last reports: at least what waits, never below it. */
  #total = 0;
  #peak = 0;

  constructor(limit: number, options: ByteBudgetOptions) {
    this.limit = limit;
    this.#lowWater = Math.floor((limit * 15) / 16);
    this.#options = options;
  }

  /** What all members hold, as far as the budget knows (at least the truth). */
  get total(): number {
    return this.#total;
  }

  /** The most `total` has been once a write was admitted. */
  get peak(): number {
    return this.#peak;
  }

  /** Members with an account. */
  get size(): number {
    return this.#accounts.size;
  }

  /** A new member: its account, for `admit` and `close`. */
  open(member: BudgetMember): BudgetAccount {
    const account = new BudgetAccount(member);
    this.#accounts.add(account);
    return account;
  }

  /** A member is gone: nothing waits for it any more. */
  close(account: BudgetAccount): void {
    if (!account.open) return;
    account.open = false;
    this.#total -= account.reported;
    account.reported = 0;
    this.#accounts.delete(account);
  }

  /**
   * A member is about to hold `waiting` bytes (what it has now, with what it is about to add): true
   * when it may go on. False when the budget cut it off to stay within (it was among those holding
   * the most); others cut for it are told through `cutOff`. A report of less (a line ended) is
   * always taken.
   */
  admit(account: BudgetAccount, waiting: number): boolean {
    if (!account.open) return false;
    this.#total += waiting - account.reported;
    account.reported = waiting;
    if (this.#total > this.limit && this.#enforce(account)) return false;
    if (this.#total > this.#peak) this.#peak = this.#total;
    return true;
  }

  /** Counts exactly and cuts the heaviest; true when `writer` itself was cut. */
  #enforce(writer: BudgetAccount): boolean {
    let total = 0;
    for (const account of this.#accounts) {
      // The writer's report includes what it is about to add, which it does not hold yet.
      const now = account.member.bufferedBytes;
      account.reported = account === writer ? Math.max(account.reported, now) : now;
      total += account.reported;
    }
    this.#total = total;
    if (total <= this.limit) return false;
    const heaviest = [...this.#accounts].sort((a, b) => b.reported - a.reported);
    for (const account of heaviest) {
      if (this.#total <= this.#lowWater) break;
      const waiting = account.reported;
      this.close(account);
      this.#options.onCut?.(account.member);
      account.member.cutOff(this.#options.reason(this.limit, waiting));
    }
    return !writer.open;
  }
}
