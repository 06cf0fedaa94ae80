/**
 * One path from a producer's line to the engine, whoever the producer is (an HTTP ingest, an MQTT
 * device): the message rules (`parseLine`), the per-token rate limit, the store, and the counters of
 * `/metrics`. Callers say what became of a line to their own producer (an ingest's summary and
 * answers, the MQTT bridge's log).
 */
import type { IngestErrorCode } from '../../shared/ingest.js';
import { parseLine, type MessageError } from '../../shared/messages.js';
import type { RateLimiter } from '../access/rate-limit.js';
import type { Engine } from '../engines/engine.js';
import type { Metrics } from '../metrics.js';

/** What became of one line. */
export type LineOutcome =
  /** A blank line: a heartbeat. */
  | { kind: 'heartbeat' }
  /** Not a message (not JSON, not an object, too deep): rejected alone. */
  | { kind: 'rejected'; error: MessageError }
  /** Past the token's rate limit: not stored (an ingest is ended with 429; a device's line is dropped, counted). */
  | { kind: 'rate-limited' }
  /**
   * Handed to the engine: stored already (`stored` undefined), or when `stored` resolves; a
   * rejection means it was not stored (counted here; the caller says so to its producer).
   */
  | { kind: 'accepted'; stored: Promise<void> | undefined };

export class LineWriter {
  readonly #engine: Engine;
  readonly #limiter: RateLimiter;
  readonly #metrics: Metrics;

  constructor(engine: Engine, limiter: RateLimiter, metrics: Metrics) {
    this.#engine = engine;
    this.#limiter = limiter;
    this.#metrics = metrics;
  }

  /** One line (without its newline) for a token. */
  write(token: string, line: string): LineOutcome {
    const parsed = parseLine(line);
    if (parsed.kind === 'heartbeat') return parsed;
    if (parsed.kind === 'rejected') {
      this.rejected(token, parsed.error.code);
      return parsed;
    }
    if (!this.#limiter.allow(token)) {
      this.#metrics.token(token).rateLimited++;
      return { kind: 'rate-limited' };
    }
    let stored: void | Promise<void>;
    try {
      // The text the producer sent, stored as it is (whitespace around it trimmed).
      stored = this.#engine.publish(token, line.trim(), Date.now());
    } catch (error) {
      // An engine that throws has not stored the line: said as for a store that failed.
      stored = Promise.reject(error);
    }
    if (stored === undefined) {
      this.#metrics.token(token).messagesIn++;
      return { kind: 'accepted', stored: undefined };
    }
    return {
      kind: 'accepted',
      stored: stored.then(
        () => {
          this.#metrics.token(token).messagesIn++;
        },
        (error: unknown) => {
          this.rejected(token, 'not-stored');
          throw error;
        },
      ),
    };
  }

  /** Counts a line rejected for a reason found before it got here (too long, a bad topic) or not stored. */
  rejected(token: string, code: IngestErrorCode): void {
    const counters = this.#metrics.token(token);
    if (code === 'not-stored') counters.notStored++;
    else counters.rejected++;
  }
}
