/**
 * One viewer's subscription, whatever the transport: replays history or exactly what it missed,
 * then joins the live edge, where each tick's frame is built once for every viewer (fanout.ts);
 * what it sends on its own it batches per tick, in order, and its ticks of one turn go out in one
 * frame (a viewer of many tokens); and it cuts the viewer off when its
 * outgoing bytes pass the limit, so one slow viewer never slows the others.
 */
import {
  CloseCode,
  encodeFrame,
  encodeHeartbeat,
  encodeReady,
  encodeReset,
  formatPositions,
  type Positions,
} from '../../shared/protocol.js';
import type { StoredMessage } from '../engines/engine.js';
import { dataEvent, type Fanout, type FeedMember, type Membership, type Tick } from './fanout.js';
import type { FrameSink } from './frame-sink.js';
import { mergeFrames } from './merged-frame.js';
import { replayStart } from './replay-start.js';
import { RunGatherer } from './run-gatherer.js';
import type { SubscriptionEvents, SubscriptionOptions } from './subscription-options.js';
import { ViewerAllowance } from './viewer-allowance.js';

export type { SubscriptionEvents, SubscriptionOptions } from './subscription-options.js';

export class Subscription implements FeedMember {
  readonly runs: boolean;
  readonly columns: boolean;
  /** The tokens subscribed now (control messages add and drop some), in the order they came. */
  readonly #tokens: Set<string>;
  readonly #fanout: Fanout;
  readonly #sink: FrameSink;
  readonly #events: SubscriptionEvents;
  readonly #allowance: ViewerAllowance;
  /** Public names of tokens (a hosted chart's viewers), or null: each token goes by itself. */
  readonly #names: ReadonlyMap<string, string> | null;
  readonly #positions: Positions = new Map();
  /** Live messages that arrive while a token's history is being sent. */
  readonly #waiting = new Map<string, Array<{ epoch: string; message: StoredMessage }>>();
  #memberships = new Map<string, Membership>();
  #pending: string[] = [];
  /**
   * Frames queued for this turn's send, in order: shared ticks' bytes, and what this subscription had
   * queued before each (as a frame's text). Their bytes are counted in `#pendingBytes`.
   */
  #frames: Array<string | Buffer> = [];
  /** The run being gathered (its bytes are counted in `#pendingBytes`); it goes in `#pending` before anything else does. */
  readonly #run = new RunGatherer();
  #pendingBytes = 0;
  #flushScheduled = false;
  #closed = false;
  /** While the replay (history, or what a resume missed) is being sent: its bytes may pass the viewer's limit. */
  #replaying = false;
  /** Subscribes run one after another (a control message may come while a replay is being sent). */
  #chain: Promise<void> = Promise.resolve();

  constructor(
    fanout: Fanout,
    tokens: readonly string[],
    sink: FrameSink,
    options: SubscriptionOptions,
    events: SubscriptionEvents,
  ) {
    this.#fanout = fanout;
    this.#tokens = new Set(tokens);
    this.#sink = sink;
    this.runs = options.runs ?? false;
    this.columns = this.runs && (options.columns ?? false);
    this.#events = events;
    this.#names = options.names ?? null;
    this.#allowance = new ViewerAllowance(options.maxBufferedBytes, options.budget ?? null, this);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get tokens(): readonly string[] {
    return [...this.#tokens];
  }

  /** Whether a token is subscribed now. */
  has(token: string): boolean {
    return this.#tokens.has(token);
  }

  /**
   * Subscribes, sends each token's replay (after `resume`) or reset + history, then `ready`. When it
   * fails (the engine is away), it stops listening and may be called again.
   */
  async start(resume: Positions, ready?: { control?: number; maxTokens?: number }): Promise<void> {
    const tokens = this.tokens;
    try {
      await this.#serially(() => this.#begin(tokens, resume, encodeReady(ready)));
    } catch (error) {
      this.#stopListening();
      this.#waiting.clear();
      throw error;
    }
  }

  /**
   * Adds tokens (a `subscribe` control message): each is replayed after its resume position, or
   * reset + history, then a `ready` naming them. Tokens already subscribed are left as they are.
   * When it fails (the engine is away), the added tokens are dropped again and it throws.
   */
  async add(tokens: readonly string[], resume: Positions): Promise<void> {
    const added = tokens.filter((token) => !this.#tokens.has(token));
    for (const token of added) this.#tokens.add(token);
    try {
      await this.#serially(() => this.#begin(added, resume, encodeReady({ tokens: added.map(this.#nameOf) })));
    } catch (error) {
      this.remove(added);
      throw error;
    }
  }

  /** Drops tokens (an `unsubscribe` control message): nothing more of them is sent. */
  remove(tokens: readonly string[]): void {
    for (const token of tokens) {
      if (!this.#tokens.delete(token)) continue;
      this.#memberships.get(token)?.leave();
      this.#memberships.delete(token);
      this.#waiting.delete(token);
      this.#positions.delete(token);
    }
  }

  #serially(task: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(task);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #begin(tokens: readonly string[], resume: Positions, ready: string): Promise<void> {
    this.#replaying = true;
    try {
      await this.#replay(tokens, resume);
    } finally {
      this.#replaying = false;
    }
    this.#enqueue(ready);
  }

  async #replay(tokens: readonly string[], resume: Positions): Promise<void> {
    // Listen first and hold live messages back, so nothing published meanwhile falls in a gap.
    for (const token of tokens) {
      this.#waiting.set(token, []);
      this.#memberships.set(token, this.#fanout.join(token, this));
    }
    // A remote engine (Redis pub/sub) listens only once it confirms: read history after that.
    await Promise.all(tokens.map((token) => this.#memberships.get(token)?.ready));
    if (this.#closed) return;
    for (const token of tokens) {
      // Dropped (unsubscribed) while its history was being read: nothing more of it.
      if (!this.#tokens.has(token)) continue;
      const history = await this.#fanout.engine.history(token);
      if (this.#closed) return;
      const start = replayStart(history, resume.get(token));
      if (start !== null) {
        if (start.reset) this.#reset(token, history.epoch, start.after);
        this.#positions.set(token, { epoch: history.epoch, offset: start.after });
        for (const message of history.entries)
          if (message.offset > start.after) this.#deliver(token, history.epoch, message);
      }
      const waiting = this.#waiting.get(token) ?? [];
      this.#waiting.delete(token);
      for (const { epoch, message } of waiting) this.#onLive(token, epoch, message);
      this.#memberships.get(token)?.atEdge();
    }
  }

  // --- FeedMember -------------------------------------------------------------------------------
  onMessage(token: string, epoch: string, message: StoredMessage): void {
    this.#onLive(token, epoch, message);
  }

  onTick(token: string, tick: Tick): void {
    if (this.#closed) return;
    const position = this.#positions.get(token);
    if (position === undefined) {
      // Its first messages since this viewer subscribed to it: the reset goes before them.
      for (const message of tick.messages) this.#onLive(token, tick.epoch, message);
      return;
    }
    const first = tick.messages[0] as StoredMessage;
    if (position.epoch !== tick.epoch || position.offset !== first.offset - 1) {
      // Not exactly at the edge (it caught up in the middle of this tick, or the epoch changed):
      // what it lacks goes out on its own, with a reset when the epoch changed.
      for (const message of tick.messages) this.#onLive(token, tick.epoch, message);
      return;
    }
    const frame = tick.frame(this.columns ? 'columns' : this.runs ? 'run' : 'data', this.#nameOf(token));
    const queued = this.#sink.bufferedBytes() + this.#pendingBytes;
    if (!this.#allowed(queued + frame.bytes.length, queued)) return;
    position.offset = (tick.messages[tick.messages.length - 1] as StoredMessage).offset;
    // What this subscription queued on its own (its replay, `ready`) goes first; the frame goes once
    // this turn's other ticks are in, with them.
    this.#closeRun();
    if (this.#pending.length > 0) this.#frames.push(encodeFrame(this.#pending));
    this.#pending = [];
    this.#frames.push(frame.bytes);
    this.#pendingBytes += frame.bytes.length;
    this.#fanout.later(this);
  }

  sendQueued(): void {
    this.#flush();
  }

  /**
   * The transport's own keep-alive and, unless `event` is false, a heartbeat event. Without heartbeat
   * events (the relay's engine is away) viewers show `stale` while their connection stays open.
   */
  heartbeat(event = true): void {
    if (event) this.#enqueue(encodeHeartbeat());
    if (!this.#closed) this.#sink.keepAlive();
  }

  /** Sends an event now, ahead of anything queued (errors about the request itself). */
  sendNow(event: string): void {
    if (!this.#closed) this.#sink.send(event, () => '');
  }

  /** Stops listening; with a code, also closes the connection. */
  close(code?: number, reason = ''): void {
    if (this.#closed) return;
    this.#release();
    if (code !== undefined) this.#sink.close(code, reason);
  }

  /** Closed: out of the budget and the feeds, nothing queued kept. */
  #release(): void {
    this.#closed = true;
    this.#allowance.leave();
    this.#stopListening();
    this.#pending = [];
    this.#frames = [];
    this.#pendingBytes = 0;
    this.#run.drop();
  }

  #stopListening(): void {
    for (const membership of this.#memberships.values()) membership.leave();
    this.#memberships.clear();
  }

  #onLive(token: string, epoch: string, message: StoredMessage): void {
    const waiting = this.#waiting.get(token);
    if (waiting !== undefined) {
      waiting.push({ epoch, message });
      return;
    }
    if (!this.#tokens.has(token)) return; // dropped a moment ago
    const position = this.#positions.get(token);
    if (position === undefined) {
      // The token's first message since the viewer subscribed (it was never written): its epoch starts here.
      this.#reset(token, epoch, message.offset - 1);
    } else {
      if (epoch === position.epoch && message.offset <= position.offset) return; // replayed already
      if (epoch !== position.epoch) this.#reset(token, epoch, message.offset - 1);
    }
    this.#deliver(token, epoch, message);
  }

  #reset(token: string, epoch: string, offset: number): void {
    this.#positions.set(token, { epoch, offset });
    this.#enqueue(encodeReset(this.#nameOf(token), epoch, offset));
    this.#events.onReset(token);
  }

  #deliver(token: string, epoch: string, message: StoredMessage): void {
    this.#positions.set(token, { epoch, offset: message.offset });
    if (!this.runs) {
      this.#enqueue(dataEvent(this.#nameOf(token), epoch, message));
      return;
    }
    if (this.#closed) return;
    const name = this.#nameOf(token);
    if (!this.#run.extend(name, epoch, message)) {
      this.#closeRun();
      this.#run.begin(name, epoch, message);
    }
    // A message's text, its time and a comma: what it adds to the run's event, give or take.
    this.#count(message.text.length + 16);
  }

  /** The run gathered so far goes in the queue as one event (its bytes were counted as it grew). */
  #closeRun(): void {
    this.#run.takeInto(this.#pending, this.columns);
  }

  #enqueue(event: string): void {
    if (this.#closed) return;
    this.#closeRun();
    this.#pending.push(event);
    this.#count(event.length);
  }

  /** Counts queued bytes against the limit and makes sure a flush is coming. */
  #count(bytes: number): void {
    this.#pendingBytes += bytes;
    const waiting = this.#pendingBytes + this.#sink.bufferedBytes();
    if (!this.#allowed(waiting, waiting, this.#replaying ? bytes : 0)) return;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** The viewer may have `waiting` bytes waiting (false: it was cut off, by its own limit or the relay's budget). */
  #allowed(waiting: number, held: number, replay = 0): boolean {
    const verdict = this.#allowance.check(waiting, held, replay);
    if (verdict === 'too-slow') this.#tooSlow();
    return verdict === 'ok';
  }

  #tooSlow(): void {
    this.cutOff(`too slow: more than ${this.#allowance.maxBufferedBytes} bytes waiting; reconnect to resume`);
  }

  /** Bytes waiting for this viewer: queued here and written but not yet flushed. */
  get bufferedBytes(): number {
    return this.#closed ? 0 : this.#pendingBytes + this.#sink.bufferedBytes();
  }

  /** Serving this viewer threw: reported, and its connection ends with 1011 (the viewer resumes). */
  fail(error: unknown): void {
    if (this.#closed) return;
    this.#events.onError(error);
    try {
      this.close(CloseCode.internalError, 'the relay failed to send to this viewer; reconnect to resume');
    } catch {
      this.#closed = true;
      this.#allowance.leave();
    }
  }

  /** Ends a viewer that does not keep up (4408), dropping what waits for it. */
  cutOff(reason: string): void {
    if (this.#closed) return;
    this.#events.onTooSlow(this.tokens);
    this.#release();
    this.#sink.close(CloseCode.tooSlow, reason, true);
  }

  #flush = (): void => {
    this.#flushScheduled = false;
    try {
      this.#closeRun();
      if (this.#closed) return;
      const frames = this.#frames;
      if (this.#pending.length > 0) frames.push(encodeFrame(this.#pending));
      if (frames.length === 0) return;
      this.#frames = [];
      this.#pending = [];
      this.#pendingBytes = 0;
      const only = frames.length === 1 ? (frames[0] as string | Buffer) : null;
      if (typeof only === 'string') this.#sink.send(only, this.#formatPositions);
      // One shared frame goes as it is, the same bytes for every viewer; several, merged.
      else this.#sink.sendShared(only ?? mergeFrames(frames), this.#formatPositions);
    } catch (error) {
      this.fail(error);
    }
  };

  #formatPositions = (): string => formatPositions(this.#positions, this.#nameOf);

  /** The name the viewer knows a token by. */
  #nameOf = (token: string): string => this.#names?.get(token) ?? token;
}
