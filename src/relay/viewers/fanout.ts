/**
 * The live edge, shared: one feed per token listens to the engine once and at each tick builds one
 * frame (its text and its UTF-8 bytes) for every subscription that is exactly at the edge: runs
 * with columns for those that read them, one `run` event for those that read runs only, the same
 * messages as `data` events for those that read neither (each built only when someone at the edge
 * needs it). Per-viewer work is left to what is really per viewer: a subscription that is catching
 * up (history replay, a resume) or off the edge gets its messages on its own.
 */
import { encodeColumnRuns, encodeData, encodeFrame, encodeRun } from '../../shared/protocol.js';
import { FEED_MIN_INTERVAL_MS } from '../constants.js';
import type { Engine, Listening, StoredMessage } from '../engines/engine.js';

const dataEvents = new WeakMap<StoredMessage, string>();

/** The `data` event's JSON, built once per message however many viewers get it. */
export function dataEvent(token: string, epoch: string, message: StoredMessage): string {
  let text = dataEvents.get(message);
  if (text === undefined) {
    text = encodeData(token, epoch, message.offset, message.time, message.text);
    dataEvents.set(message, text);
  }
  return text;
}

/** A frame built once for many viewers: its text and its UTF-8 bytes. */
export interface SharedFrame {
  text: string;
  bytes: Buffer;
}

/** One tick's messages of a token (all in one epoch), and the frames they make. */
export interface Tick {
  epoch: string;
  messages: readonly StoredMessage[];
  /** The messages as `data` events (null when no one at the edge reads them so). */
  data: SharedFrame | null;
  /** The messages as one `run` event (null when no one at the edge reads runs without columns). */
  run: SharedFrame | null;
  /** The messages as runs with columns where they fit (null when no one at the edge reads columns). */
  columns: SharedFrame | null;
}

function sharedFrame(text: string): SharedFrame {
  return { text, bytes: Buffer.from(text) };
}

/** What a feed asks of a subscription. */
export interface FeedMember {
  /** The member reads `run` events. */
  readonly runs: boolean;
  /** The member reads runs with `columns` (only with `runs`). */
  readonly columns: boolean;
  /** A live message, while the member is catching up (it holds it until its replay is sent). */
  onMessage(token: string, epoch: string, message: StoredMessage): void;
  /** This tick's frame, once the member is at the live edge. */
  onTick(token: string, tick: Tick): void;
  /**
   * Serving the member threw (a bug, never the viewer's doing): it ends its connection with a reason
   * and the viewer resumes. The other members are served on.
   */
  fail(error: unknown): void;
}

/** Hands a member what it is owed; a throw ends that member alone. */
function serve(member: FeedMember, deliver: (member: FeedMember) => void): void {
  try {
    deliver(member);
  } catch (error) {
    member.fail(error);
  }
}

export interface Membership {
  /** Resolves once every message published from now on will reach the member. */
  readonly ready: Promise<void>;
  /** The member has sent its replay: from the next tick on it gets shared frames. */
  atEdge(): void;
  leave(): void;
}

class TokenFeed {
  readonly #token: string;
  readonly #catchingUp = new Set<FeedMember>();
  readonly #atEdge = new Set<FeedMember>();
  readonly #listening: Listening;
  readonly #onEmpty: () => void;
  #epoch = '';
  #messages: StoredMessage[] = [];
  #scheduled = false;
  #lastFlush = -Infinity;

  constructor(engine: Engine, token: string, onEmpty: () => void) {
    this.#token = token;
    this.#onEmpty = onEmpty;
    this.#listening = engine.listen(token, (epoch, message) => this.#onMessage(epoch, message));
  }

  get ready(): Promise<void> {
    return this.#listening.ready;
  }

  join(member: FeedMember): Membership {
    this.#catchingUp.add(member);
    return {
      ready: this.#listening.ready,
      atEdge: () => {
        if (this.#catchingUp.delete(member)) this.#atEdge.add(member);
      },
      leave: () => {
        this.#catchingUp.delete(member);
        this.#atEdge.delete(member);
        if (this.#catchingUp.size + this.#atEdge.size === 0) {
          this.#listening.stop();
          this.#onEmpty();
        }
      },
    };
  }

  #onMessage(epoch: string, message: StoredMessage): void {
    for (const member of this.#catchingUp) serve(member, (m) => m.onMessage(this.#token, epoch, message));
    if (this.#atEdge.size === 0) return;
    // A tick holds one epoch: a new one (history lost) starts a new tick.
    if (this.#messages.length > 0 && epoch !== this.#epoch) this.#flush();
    this.#epoch = epoch;
    this.#messages.push(message);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // At most one frame per FEED_MIN_INTERVAL_MS: what dominates the relay's CPU at high rates is
      // a socket write per viewer per frame, so a busy token's messages share frames.
      const wait = this.#lastFlush + FEED_MIN_INTERVAL_MS - performance.now();
      if (wait <= 0) setImmediate(this.#flush);
      else setTimeout(this.#flush, wait);
    }
  }

  #flush = (): void => {
    this.#scheduled = false;
    if (this.#messages.length === 0) return;
    this.#lastFlush = performance.now();
    let columns = false;
    let runs = false;
    let data = false;
    for (const member of this.#atEdge) {
      if (member.columns) columns = true;
      else if (member.runs) runs = true;
      else data = true;
      if (columns && runs && data) break;
    }
    const token = this.#token;
    const epoch = this.#epoch;
    const messages = this.#messages;
    const offset = (messages[0] as StoredMessage).offset;
    const times = runs || columns ? messages.map((m) => m.time) : [];
    const texts = runs || columns ? messages.map((m) => m.text) : [];
    this.#messages = [];
    let tick: Tick;
    try {
      tick = {
        epoch,
        messages,
        data: data ? sharedFrame(encodeFrame(messages.map((m) => dataEvent(token, epoch, m)))) : null,
        run: runs ? sharedFrame(encodeRun(token, epoch, offset, times, texts)) : null,
        columns: columns ? sharedFrame(encodeFrame(encodeColumnRuns(token, epoch, offset, times, texts))) : null,
      };
    } catch (error) {
      // The frame could not be built: its viewers end and resume, nobody gets a partial tick.
      for (const member of [...this.#atEdge]) member.fail(error);
      return;
    }
    for (const member of this.#atEdge) serve(member, (m) => m.onTick(token, tick));
  };
}

/** The feeds of one relay, by token: made on a token's first member, dropped after its last. */
export class Fanout {
  readonly engine: Engine;
  readonly #feeds = new Map<string, TokenFeed>();

  constructor(engine: Engine) {
    this.engine = engine;
  }

  join(token: string, member: FeedMember): Membership {
    let feed = this.#feeds.get(token);
    if (feed === undefined) {
      const created = new TokenFeed(this.engine, token, () => {
        if (this.#feeds.get(token) === created) this.#feeds.delete(token);
      });
      // A feed whose engine listen failed (Redis away) is dropped: the next member listens again.
      created.ready.catch(() => {
        if (this.#feeds.get(token) === created) this.#feeds.delete(token);
      });
      this.#feeds.set(token, created);
      feed = created;
    }
    return feed.join(member);
  }

  /** Tokens with a feed (for tests and metrics). */
  get size(): number {
    return this.#feeds.size;
  }
}
