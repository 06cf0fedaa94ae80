/**
 * Splits an NDJSON byte stream into lines. Bytes are kept until a newline (0x0A never occurs inside
 * a UTF-8 sequence, so lines decode whole). A line longer than `maxLineBytes` is dropped alone: its
 * bytes are skipped up to the next newline and `onTooLong` is called once for it.
 *
 * A line that arrives whole in one chunk is decoded from the chunk itself. The part of a line still
 * waiting for its newline is copied into one buffer that grows by doubling (up to the limit): a line
 * sent a byte per chunk costs its own length, not a chunk object per byte.
 */

/** The smallest buffer for a part of a line; one this size or smaller is kept for the next line. */
const MIN_PART_BUFFER = 4096;

export class LineSplitter {
  readonly #maxLineBytes: number;
  readonly #onLine: (line: string) => void;
  readonly #onTooLong: (bytes: number) => void;
  /** The start of a line whose newline has not come yet: `#part[0, #partBytes)`. */
  #part: Buffer | null = null;
  #partBytes = 0;
  /** Set while skipping the rest of a line that went over the limit. */
  #skipping = false;
  #skipped = 0;

  constructor(maxLineBytes: number, onLine: (line: string) => void, onTooLong: (bytes: number) => void) {
    this.#maxLineBytes = maxLineBytes;
    this.#onLine = onLine;
    this.#onTooLong = onTooLong;
  }

  /** Bytes held for a line not yet ended (at most the limit). */
  get pendingBytes(): number {
    return this.#partBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) {
        this.#take(chunk, start, chunk.length);
        return;
      }
      if (this.#partBytes === 0 && !this.#skipping) {
        // The whole line is in this chunk: no copy.
        if (newline - start > this.#maxLineBytes) this.#onTooLong(newline - start);
        else this.#onLine(chunk.toString('utf8', start, newline));
      } else {
        this.#take(chunk, start, newline);
        this.#finishLine();
      }
      start = newline + 1;
    }
  }

  /** The body ended: a last line without a newline still counts. */
  end(): void {
    if (this.#partBytes > 0 || this.#skipping) this.#finishLine();
  }

  #take(chunk: Buffer, from: number, to: number): void {
    const length = to - from;
    if (length === 0) return;
    if (this.#skipping) {
      this.#skipped += length;
      return;
    }
    const needed = this.#partBytes + length;
    if (needed > this.#maxLineBytes) {
      this.#skipping = true;
      this.#skipped = needed;
      this.#release();
      return;
    }
    if (this.#part === null || this.#part.length < needed) {
      let size = Math.max(MIN_PART_BUFFER, this.#part?.length ?? 0);
      while (size < needed) size *= 2;
      const grown = Buffer.allocUnsafe(Math.min(size, this.#maxLineBytes));
      if (this.#part !== null) this.#part.copy(grown, 0, 0, this.#partBytes);
      this.#part = grown;
    }
    chunk.copy(this.#part, this.#partBytes, from, to);
    this.#partBytes = needed;
  }

  #finishLine(): void {
    if (this.#skipping) {
      this.#skipping = false;
      this.#onTooLong(this.#skipped);
      this.#skipped = 0;
      return;
    }
    const line = (this.#part as Buffer).toString('utf8', 0, this.#partBytes);
    this.#partBytes = 0;
    // A big buffer is let go of; a small one is kept for the next partial line.
    if ((this.#part as Buffer).length > MIN_PART_BUFFER) this.#part = null;
    this.#onLine(line);
  }

  /** Drops the line begun and not ended (the ingest was cut off): `end()` then finds nothing. */
  discard(): void {
    this.#skipping = false;
    this.#skipped = 0;
    this.#release();
  }

  #release(): void {
    this.#part = null;
    this.#partBytes = 0;
  }
}
