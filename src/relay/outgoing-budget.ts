/**
 * The relay's total outgoing budget (`maxTotalBufferedBytes`): what waits for all viewers together,
 * queued in their subscriptions or handed to their sockets and not yet flushed, stays under it at
 * every write, not only when someone looks. Each viewer's own limit (`maxBufferedBytes`) alone would
 * let a thousand viewers that never read hold a thousand times that.
 *
 * Kept cheap at the hot path: each member reports what it has waiting when it writes, and the budget
 * adds up the last reports. A viewer's bytes only shrink between its writes (the network drains
 * them), so that sum is never below the truth. Only when it passes the budget are the members asked
 * exactly; if they are still over, those with the most waiting are cut off until the total is back
 * under a low-water mark (15/16 of the budget), so the next exact count is at least 1/16 of the
 * budget of writes away.
 */

/** A viewer, as the budget sees it. */
export interface BudgetMember {
  /** Bytes waiting for it now: queued, and written but not yet flushed. */
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

export class OutgoingBudget {
  readonly limit: number;
  readonly #lowWater: number;
  readonly #onCut: (member: BudgetMember) => void;
  readonly #accounts = new Set<BudgetAccount>();
  /** The sum of the last reports: at least what waits, never below it. */
  #total = 0;
  #peak = 0;

  /** `onCut` hears of each member cut off (metrics), before the member is told. */
  constructor(limit: number, onCut: (member: BudgetMember) => void = () => undefined) {
    this.limit = limit;
    this.#lowWater = Math.floor((limit * 15) / 16);
    this.#onCut = onCut;
  }

  /** What waits for all members, as far as the budget knows (at least the truth). */
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
   * A member is about to hold `waiting` bytes (what it has now, with what it is about to write):
   * true when it may go on. False when the budget cut it off to stay within (it was among those
   * holding the most); others cut for it are told through `cutOff`.
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
      // The writer's report includes what it is about to write, which its sink does not hold yet.
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
      this.#onCut(account.member);
      account.member.cutOff(
        `the relay has more than ${this.limit} bytes waiting for its viewers, ${waiting} of them for this one; reconnect to resume`,
      );
    }
    return !writer.open;
  }
}
