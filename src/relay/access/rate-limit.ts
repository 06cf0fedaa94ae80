/** The optional per-token ingest rate limit: past it the ingest gets 429 and is closed, never a silent drop. */

/** A token bucket per token: `rate` messages a second, bursts up to one second's worth. 0 = no limit. */
export class RateLimiter {
  readonly #rate: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(rate: number) {
    this.#rate = rate;
  }

  /** True when the token may take one more message now (and counts it). */
  allow(token: string): boolean {
    if (this.#rate <= 0) return true;
    const now = performance.now();
    const bucket = this.#buckets.get(token) ?? { tokens: this.#rate, at: now };
    bucket.tokens = Math.min(this.#rate, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
    bucket.at = now;
    this.#buckets.set(token, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Tokens with a bucket (for tests). */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Drops buckets that have filled up again (a full bucket is the same as none): without it, every
   * token ever written would keep one. The relay calls it at each heartbeat.
   */
  sweep(now = performance.now()): void {
    for (const [token, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.#rate >= this.#rate) this.#buckets.delete(token);
    }
  }
}
