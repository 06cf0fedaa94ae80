/**
 * The relay's log: one line per event, with what a client sent escaped (no raw control characters
 * reach a terminal or a log file), and a budget per kind of line, so a flood of bad input cannot
 * flood the log: past the budget, lines of that kind are counted and one line says how many.
 */
import { LOG_LINES_PER_KIND, LOG_WINDOW_MS, MAX_LOG_LINE } from './constants.js';

/** What the relay logs, by kind; each kind has its own budget. */
export type LogKind =
  /** Start, shutdown, engine changes: rare, never dropped. */
  | 'lifecycle'
  /** Lines ingest rejected or could not store. */
  | 'rejected'
  /** Requests refused: write keys, read tokens, origins, per-client limits. */
  | 'refused'
  /** Malformed HTTP. */
  | 'malformed'
  /** Connections ended by the relay: slow viewers, ingests taken over or timed out. */
  | 'ended'
  /** An error in the relay's own code while serving a request: answered 500, the relay serves on. */
  | 'internal';

/** Control characters (C0, DEL, C1) and the Unicode line separators, which would break a log line. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Escapes control characters as `\xNN` / `\uNNNN` and cuts the line to `MAX_LOG_LINE` characters. */
export function safeLogText(text: string): string {
  const escaped = text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return escaped.length > MAX_LOG_LINE ? `${escaped.slice(0, MAX_LOG_LINE)}… (cut)` : escaped;
}

export class RelayLog {
  readonly #write: (line: string) => void;
  readonly #budget: number;
  readonly #windowMs: number;
  readonly #used = new Map<LogKind, number>();
  readonly #dropped = new Map<LogKind, number>();
  #windowStart = 0;
  #summaryTimer: NodeJS.Timeout | null = null;

  constructor(write: (line: string) => void, { budget = LOG_LINES_PER_KIND, windowMs = LOG_WINDOW_MS } = {}) {
    this.#write = write;
    this.#budget = budget;
    this.#windowMs = windowMs;
  }

  /** Logs a line of a kind, unless that kind used its budget in this window (then it is counted). */
  line(kind: LogKind, text: string): void {
    if (kind === 'lifecycle') {
      this.#write(safeLogText(text));
      return;
    }
    const now = Date.now();
    if (now - this.#windowStart >= this.#windowMs) this.#newWindow(now);
    const used = this.#used.get(kind) ?? 0;
    if (used < this.#budget) {
      this.#used.set(kind, used + 1);
      this.#write(safeLogText(text));
      return;
    }
    this.#dropped.set(kind, (this.#dropped.get(kind) ?? 0) + 1);
    // The count goes out at the end of the window even if nothing else is logged after it.
    this.#summaryTimer ??= setTimeout(() => this.#newWindow(Date.now()), this.#windowStart + this.#windowMs - now);
    this.#summaryTimer.unref();
  }

  /** Writes the counts of what was dropped (on close, so nothing is lost silently). */
  flush(): void {
    this.#newWindow(Date.now());
  }

  #newWindow(now: number): void {
    if (this.#summaryTimer !== null) clearTimeout(this.#summaryTimer);
    this.#summaryTimer = null;
    for (const [kind, count] of this.#dropped)
      this.#write(
        `${count} more "${kind}" line${count === 1 ? '' : 's'} not logged (over ${this.#budget} in ${this.#windowMs / 1000} s)`,
      );
    this.#dropped.clear();
    this.#used.clear();
    this.#windowStart = now;
  }
}
