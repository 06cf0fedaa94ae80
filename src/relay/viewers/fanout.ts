/**
 * The live edge, shared: one feed per token listens to the engine once and at each tick builds one
 * frame (its text and its UTF-8 bytes) for every subscription that is exactly at the edge: runs
 * with columns for those that read them, one `run` event for those that read runs only, the same
 * messages as `data` events for those that read neither (each built when the first viewer at the
 * edge asks for it, once per tick); a viewer's ticks of one round go out together, in one frame. A
 * frame names the token as its viewers know it: by the token itself, or by the public name a hosted
 * chart's viewers get instead (a stream token is a write credential); each name's frame is built
 * once too. Per-viewer work is left to what is really per
 * viewer: a subscription that is catching up (history replay, a resume) or off the edge gets its
 * messages on its own.
 */
import { encodeColumnRuns, encodeData, encodeFrame, encodeRun } from '../../shared/protocol.js';
import { FEED_MIN_INTERVAL_MS } from '../constants.js';
import type { Engine, Listening, StoredMessage } from '../engines/engine.js';

const dataEvents = new WeakMap<StoredMessage, { name: string; text: string }>();

/** The `data` event's JSON for a token named `name`, built once per message however many viewers get it. */
export function dataEvent(name: string, epoch: string, message: StoredMessage): string {
  const cached = dataEvents.get(message);
  if (cached !== undefined && cached.name === name) return cached.text;
  const text = encodeData(name, epoch, message.offset, message.time, message.text);
  // Kept for the first name asked (the token itself, nearly always); another name is built anew.
  if (cached === undefined) dataEvents.set(message, { name, text });
  return text;
}

/** A frame built once for many viewers: its text and its UTF-8 bytes. */
export interface SharedFrame {
  text: string;
  bytes: Buffer;
}

/** How a viewer reads a tick: runs with columns, runs, or one `data` event per message. */
export type FrameKind = 'columns' | 'run' | 'data';

/** One tick's messages of a token (all in one epoch), and the frames they make. */
export interface Tick {
  epoch: string;
  messages: readonly StoredMessage[];
  /** The messages as a frame of this kind naming the token `name`: built on the first ask, then shared. */
  frame(kind: FrameKind, name: string): SharedFrame;
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
  /** This tick's frame, once the member is at the live edge (it may queue it: `Fanout.later`). */
  onTick(token: string, tick: Tick): void;
  /** Sends what it queued this turn: one frame for all its tokens' ticks. */
  sendQueued(): void;
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
  /** Asks the fan-out to flush this feed in its next round (with every other feed due then). */
  readonly #due: (feed: TokenFeed) => void;
  #epoch = '';
  #messages: StoredMessage[] = [];
  #scheduled = false;
  #lastFlush = -Infinity;

  constructor(engine: Engine, token: string, onEmpty: () => void, due: (feed: TokenFeed) => void) {
    this.#token = token;
    this.#onEmpty = onEmpty;
    this.#due = due;
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
    if (this.#messages.length > 0 && epoch !== this.#epoch) this.flush();
    this.#epoch = epoch;
    this.#messages.push(message);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // At most one frame per FEED_MIN_INTERVAL_MS: what dominates the relay's CPU at high rates is
      // a socket write per viewer per frame, so a busy token's messages share frames.
      const wait = this.#lastFlush + FEED_MIN_INTERVAL_MS - performance.now();
      if (wait <= 0) this.#due(this);
      else setTimeout(() => this.#due(this), wait);
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#messages.length === 0) return;
    this.#lastFlush = performance.now();
    const token = this.#token;
    const epoch = this.#epoch;
    const messages = this.#messages;
    this.#messages = [];
    const tick = new TickFrames(token, epoch, messages);
    // A frame that cannot be built (a bug) ends the viewers that asked for it, each alone; they resume.
    for (const member of this.#atEdge) serve(member, (m) => m.onTick(token, tick));
  }
}

/** A tick's frames, each built on its first ask (by kind and by the name the token goes by). */
class TickFrames implements Tick {
  readonly epoch: string;
  readonly messages: readonly StoredMessage[];
  readonly #token: string;
  readonly #own: Partial<Record<FrameKind, SharedFrame>> = {};
  /** Frames naming the token otherwise (a hosted chart's viewers), by kind and name. */
  readonly #frames = new Map<string, SharedFrame>();
  #times: number[] | null = null;
  #texts: string[] | null = null;

  constructor(token: string, epoch: string, messages: readonly StoredMessage[]) {
    this.#token = token;
    this.epoch = epoch;
    this.messages = messages;
  }

  frame(kind: FrameKind, name: string = this.#token): SharedFrame {
    // The token's own frames without a key built per viewer (the hot path: every viewer, every tick).
    if (name === this.#token) return (this.#own[kind] ??= sharedFrame(this.#encode(kind, name)));
    const key = `${kind}\n${name}`;
    let frame = this.#frames.get(key);
    if (frame === undefined) {
      frame = sharedFrame(this.#encode(kind, name));
      this.#frames.set(key, frame);
    }
    return frame;
  }

  #encode(kind: FrameKind, name: string): string {
    const { epoch, messages } = this;
    if (kind === 'data') return encodeFrame(messages.map((m) => dataEvent(name, epoch, m)));
    const offset = (messages[0] as StoredMessage).offset;
    const times = (this.#times ??= messages.map((m) => m.time));
    const texts = (this.#texts ??= messages.map((m) => m.text));
    if (kind === 'run') return encodeRun(name, epoch, offset, times, texts);
    return encodeFrame(encodeColumnRuns(name, epoch, offset, times, texts));
  }
}

/** The feeds of one relay, by token: made on a token's first member, dropped after its last. */
export class Fanout {
  readonly engine: Engine;
  readonly #feeds = new Map<string, TokenFeed>();
  /** Feeds to flush in the next round, and members that queued a tick in it. */
  #dueFeeds = new Set<TokenFeed>();
  #queued = new Set<FeedMember>();
  #roundScheduled = false;
  #inRound = false;

  constructor(engine: Engine) {
    this.engine = engine;
  }

  join(token: string, member: FeedMember): Membership {
    let feed = this.#feeds.get(token);
    if (feed === undefined) {
      const created = new TokenFeed(
        this.engine,
        token,
        () => {
          if (this.#feeds.get(token) === created) this.#feeds.delete(token);
        },
        this.#feedDue,
      );
      // A feed whose engine listen failed (Redis away) is dropped: the next member listens again.
      created.ready.catch(() => {
        if (this.#feeds.get(token) === created) this.#feeds.delete(token);
      });
      this.#feeds.set(token, created);
      feed = created;
    }
    return feed.join(member);
  }

  /**
   * Has `member` send what it queued once this round's feeds have all flushed, so a viewer of many
   * tokens gets their ticks in one frame, as soon as the old way sent the first of them.
   */
  later(member: FeedMember): void {
    this.#queued.add(member);
    if (!this.#inRound) this.#schedule();
  }

  #feedDue = (feed: TokenFeed): void => {
    this.#dueFeeds.add(feed);
    this.#schedule();
  };

  #schedule(): void {
    if (this.#roundScheduled) return;
    this.#roundScheduled = true;
    setImmediate(this.#round);
  }

  /** Every feed due flushes, then every member that queued a tick sends: one timer for all of them. */
  #round = (): void => {
    this.#roundScheduled = false;
    this.#inRound = true;
    try {
      const feeds = this.#dueFeeds;
      this.#dueFeeds = new Set();
      for (const feed of feeds) feed.flush();
    } finally {
      this.#inRound = false;
    }
    const members = this.#queued;
    this.#queued = new Set();
    for (const member of members) serve(member, (m) => m.sendQueued());
  };

  /** Tokens with a feed (for tests and metrics). */
  get size(): number {
    return this.#feeds.size;
  }
}
