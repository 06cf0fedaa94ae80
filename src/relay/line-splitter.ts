/**
 * Splits an NDJSON byte stream into lines. Bytes are kept until a newline (0x0A never occurs inside
 * a UTF-8 sequence, so lines decode whole). A line longer than `maxLineBytes` is dropped alone: its
 * bytes are skipped up to the next newline and `onTooLong` is called once for it.
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  readonly #onLine: (line: string) => void;
  readonly #onTooLong: (bytes: number) => void;
  #parts: Buffer[] = [];
  #partBytes = 0;
  /** Set while skipping the rest of a line that went over the limit. */
  #skipping = false;
  #skipped = 0;

  constructor(maxLineBytes: number, onLine: (line: string) => void, onTooLong: (bytes: number) => void) {
    this.#maxLineBytes = maxLineBytes;
    this.#onLine = onLine;
    this.#onTooLong = onTooLong;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      this.#take(chunk.subarray(start, end));
      if (newline === -1) return;
      this.#finishLine();
      start = newline + 1;
    }
  }

  /** The body ended: a last line without a newline still counts. */
  end(): void {
    if (this.#partBytes > 0 || this.#skipping) this.#finishLine();
  }

  #take(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.#skipping) {
      this.#skipped += bytes.length;
      return;
    }
    if (this.#partBytes + bytes.length > this.#maxLineBytes) {
      this.#skipping = true;
      this.#skipped = this.#partBytes + bytes.length;
      this.#parts = [];
      this.#partBytes = 0;
      return;
    }
    this.#parts.push(bytes);
    this.#partBytes += bytes.length;
  }

  #finishLine(): void {
    if (this.#skipping) {
      this.#skipping = false;
      this.#onTooLong(this.#skipped);
      this.#skipped = 0;
      return;
    }
    const line =
      this.#parts.length === 1
        ? (this.#parts[0] as Buffer).toString('utf8')
        : Buffer.concat(this.#parts, this.#partBytes).toString('utf8');
    this.#parts = [];
    this.#partBytes = 0;
    this.#onLine(line);
  }
}
