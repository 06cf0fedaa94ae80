/**
 * One subscription to a relay for all of an element's tokens: picks the transport, reconnects with
 * backoff and jitter, resumes from the last positions, drops duplicates, and watches for silence.
 */
import {
  decodeEvents,
  encodeSubscribe,
  encodeUnsubscribe,
  isOriginRefusal,
  runAfter,
  runEnd,
  runOf,
  type Positions,
  type ResetEvent,
  type FigureEvent,
  type RunEvent,
} from '../../shared/protocol.js';
import { DEFAULT_BACKOFF, fullJitterDelay, type BackoffOptions } from '../../shared/backoff.js';
import { openEventSource } from './sse.js';
import { subscribeUrl } from './subscribe-url.js';
import type { Refusal, Transport, TransportHandlers, TransportKind } from './types.js';
import { openWebSocket } from './websocket.js';

export type ConnectionState = 'connecting' | 'live' | 'stale' | 'reconnecting' | 'closed';

/**
 * What a connection hands on: runs of a token's messages (a relay's `data` events become runs of
 * one), resets, and a hosted chart's figure (when the chart's relay sends it: at the start, at each edit).
 */
export type StreamEvent = RunEvent | ResetEvent | FigureEvent;
export type TransportChoice = 'auto' | TransportKind;

export interface ConnectionOptions {
  src: string;
  tokens: readonly string[];
  transport: TransportChoice;
  /** Milliseconds of silence (no event, no heartbeat) before `stale`; twice that, a reconnect. */
  staleAfter: number;
  backoff?: BackoffOptions;
  /** A connection that stayed open this long resets the backoff. */
  stableAfterMs?: number;
  /** Opens a transport; the browser's WebSocket and EventSource by default (tests pass fakes). */
  open?: (kind: TransportKind, url: URL, handlers: TransportHandlers) => Transport;
  /**
   * Private streams: the read token for the next connect, asked before every connect and reconnect
   * (it may return a promise). Nothing, or an empty string, sends none.
   */
  accessToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /**
   * True when `accessToken` can give a new token: a refusal (401/403) is then retried with backoff,
   * asking again, instead of closing.
   */
  refreshableToken?: boolean;
  /** Messages and resets for the element, in order, without duplicates. */
  onEvents(events: StreamEvent[]): void;
  onState(state: ConnectionState, reason: string): void;
  onError(code: 'connection' | 'protocol' | 'relay-error' | Refusal, message: string, token?: string): void;
}

const openers: Record<TransportKind, (url: URL, handlers: TransportHandlers) => Transport> = {
  websocket: openWebSocket,
  sse: openEventSource,
};

export class RelayConnection {
  readonly #options: ConnectionOptions;
  #state: ConnectionState | null = null;
  #transport: Transport | null = null;
  #kind: TransportKind;
  /** In `auto`, the transport that last opened: reconnects try it first. */
  #working: TransportKind | null = null;
  #attempt = 0;
  #connects = 0;
  #openedAt = 0;
  #lastActivity = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #silenceTimer: ReturnType<typeof setInterval> | null = null;
  /** Counts opens: an access token that arrives after a newer open, a close or a drop is not used. */
  #opening = 0;
  /** Last position received per token: sent as `resume=` on every reconnect. */
  readonly resumePositions: Positions = new Map();
  /** The tokens subscribed (or to subscribe on the next connect), and the same as a set. */
  #tokens: string[];
  #held: Set<string>;
  /** What the relay said in its first `ready` on this transport: control messages, and its token cap. */
  #control = 0;
  #maxTokens: number | null = null;
  #staleAfter: number;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#tokens = [...new Set(options.tokens)];
    this.#held = new Set(this.#tokens);
    this.#staleAfter = options.staleAfter;
    this.#kind = options.transport === 'sse' ? 'sse' : 'websocket';
  }

  get tokens(): readonly string[] {
    return this.#tokens;
  }

  /** Milliseconds of silence before `stale` (a shared connection takes the shortest of its charts'). */
  get staleAfter(): number {
    return this.#staleAfter;
  }
  set staleAfter(ms: number) {
    if (ms === this.#staleAfter) return;
    this.#staleAfter = ms;
    if (this.#silenceTimer !== null) this.#watchSilence();
  }

  /** Tokens one subscription may hold, as the relay said (null until it did). */
  get maxTokens(): number | null {
    return this.#maxTokens;
  }

  /**
   * Changes the tokens. `fresh` are tokens (kept or added) that must come with their whole history
   * (a chart that joins a token others already hold): their positions are forgotten first. Over a
   * WebSocket whose relay reads control messages this is an `unsubscribe` and a `subscribe` up the
   * socket; otherwise a reconnect, resuming every kept token.
   */
  setTokens(tokens: readonly string[], fresh: readonly string[] = []): void {
    const next = [...new Set(tokens)];
    const before = new Set(this.#tokens);
    const removed = this.#tokens.filter((token) => !next.includes(token));
    const again = fresh.filter((token) => before.has(token) && next.includes(token));
    const added = next.filter((token) => !before.has(token));
    if (removed.length + again.length + added.length === 0) return;
    this.#tokens = next;
    this.#held = new Set(next);
    for (const token of [...removed, ...fresh]) this.resumePositions.delete(token);
    if (this.#state === 'closed' || this.#state === null) return;
    const transport = this.#transport;
    if (this.#state === 'live' || this.#state === 'stale') {
      if (this.#control >= 1 && transport?.send !== undefined) {
        const drop = [...removed, ...again];
        const take = [...added, ...again];
        const sent =
          (drop.length === 0 || transport.send(encodeUnsubscribe(drop))) &&
          (take.length === 0 || transport.send(encodeSubscribe(take, this.resumePositions)));
        if (sent) return;
      }
    }
    this.reconnect('tokens changed');
  }

  get state(): ConnectionState | null {
    return this.#state;
  }

  /** Connections opened after the first one. */
  get reconnects(): number {
    return Math.max(0, this.#connects - 1);
  }

  start(): void {
    this.#setState('connecting', 'start');
    this.#open();
  }

  /** Drops the current connection and connects again at once (resuming), as `reconnect()` asks. */
  reconnect(reason = 'reconnect requested'): void {
    if (this.#state === 'closed') return;
    this.#dropTransport();
    this.#attempt = 0;
    this.#setState('reconnecting', reason);
    this.#open();
  }

  close(reason = 'closed'): void {
    this.#dropTransport();
    this.#setState('closed', reason);
  }

  /** Asks for the access token (when there is one to ask for), then opens the transport with it. */
  #open(): void {
    const opening = ++this.#opening;
    const provider = this.#options.accessToken;
    if (provider === undefined) {
      this.#openWith(undefined);
      return;
    }
    let token: ReturnType<typeof provider>;
    try {
      token = provider();
    } catch (error) {
      this.#tokenFailed(error);
      return;
    }
    if (typeof token === 'string' || token == null) {
      this.#openWith(token ?? undefined);
      return;
    }
    token.then(
      (value) => {
        if (opening === this.#opening && this.#state !== 'closed') this.#openWith(value ?? undefined);
      },
      (error: unknown) => {
        if (opening === this.#opening && this.#state !== 'closed') this.#tokenFailed(error);
      },
    );
  }

  #tokenFailed(error: unknown): void {
    this.#options.onError('connection', `accessToken failed: ${(error as Error)?.message ?? String(error)}`);
    // Not the transport's fault: no switch to SSE, only a later try.
    this.#retryAfterBackoff('no access token');
  }

  #openWith(accessToken: string | undefined): void {
    // What this relay takes up the socket is learnt again from the new transport's first ready.
    this.#control = 0;
    const scheme = this.#kind === 'websocket' ? 'ws' : 'http';
    let url: URL;
    try {
      url = subscribeUrl(this.#options.src, this.#tokens, this.resumePositions, scheme, accessToken);
    } catch {
      this.#options.onError('connection', `src is not a valid URL: ${JSON.stringify(this.#options.src)}`);
      this.close('bad src');
      return;
    }
    // The relay sends a frame (`ready` at least) as soon as it subscribes us: until one arrives,
    // an open socket proves nothing (a proxy may accept the upgrade and then drop it).
    let confirmed = false;
    const kind = this.#kind;
    let transport: Transport | null = null;
    const handlers: TransportHandlers = {
      onOpen: () => {
        if (this.#transport !== transport) return;
        this.#openedAt = this.#lastActivity = Date.now();
        this.#watchSilence();
      },
      onFrame: (text) => {
        if (this.#transport !== transport) return;
        if (!confirmed) {
          confirmed = true;
          this.#connects++;
          this.#working = kind;
          this.#setState('live', `${kind} subscribed`);
        }
        this.#onFrame(text);
      },
      onClose: ({ reason, retry, refusal, said }) => {
        if (this.#transport !== transport) return;
        this.#transport = null;
        this.#stopSilenceWatch();
        if (refusal !== undefined) {
          this.#refused(refusal, said ?? reason);
          return;
        }
        if (!retry) {
          this.#options.onError('connection', `the relay refused the subscription: ${reason}`);
          this.close(reason);
          return;
        }
        this.#lost(reason, confirmed);
      },
    };
    try {
      transport = this.#options.open ? this.#options.open(kind, url, handlers) : openers[kind](url, handlers);
    } catch (error) {
      this.#options.onError('connection', `cannot open ${kind} to ${url.href}: ${(error as Error).message}`);
      this.#lost(`${kind} failed to open`, false);
      return;
    }
    this.#transport = transport;
  }

  /**
   * The relay refused the subscription, `reason` in its own words: said as an error; then the
   * connection stops (its state's reason is the relay's, for the badge). A refused read token is
   * tried again with backoff when a new one can be asked for (a function); a refused page (its
   * origin) never is: no token changes that.
   */
  #refused(refusal: Refusal, reason: string): void {
    const origin = isOriginRefusal(reason);
    const what = origin
      ? "this page's origin is not allowed"
      : refusal === 'unauthorized'
        ? 'no valid read token'
        : 'the read token does not cover these tokens';
    this.#options.onError(refusal, `the relay refused the subscription (${what}): ${reason}`);
    if (this.#options.refreshableToken === true && !origin) {
      this.#retryAfterBackoff(`${refusal}: asking accessToken again`);
      return;
    }
    this.close(`${refusal}: ${reason}`);
  }

  #retryAfterBackoff(reason: string): void {
    const delay = fullJitterDelay(this.#attempt++, this.#options.backoff ?? DEFAULT_BACKOFF);
    this.#setState('reconnecting', reason);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#open();
    }, delay);
  }

  #lost(reason: string, confirmed: boolean): void {
    if (confirmed && Date.now() - this.#openedAt >= (this.#options.stableAfterMs ?? 10_000)) this.#attempt = 0;
    // In auto, a WebSocket that never delivered a frame (blocked by a proxy, say) is followed at once by SSE.
    if (this.#options.transport === 'auto' && !confirmed && this.#working === null && this.#kind === 'websocket') {
      this.#kind = 'sse';
      this.#setState(this.#connects === 0 ? 'connecting' : 'reconnecting', `${reason}; trying sse`);
      this.#open();
      return;
    }
    if (this.#options.transport === 'auto') this.#kind = this.#working ?? 'websocket';
    this.#retryAfterBackoff(reason);
  }

  #onFrame(text: string): void {
    this.#lastActivity = Date.now();
    if (this.#state === 'stale') this.#setState('live', 'data');
    const { events, errors } = decodeEvents(text);
    for (const error of errors) this.#options.onError('protocol', error);
    const fresh: StreamEvent[] = [];
    for (const event of events) {
      // A token dropped a moment ago may still have events on the way: not ours any more.
      if ((event.type === 'data' || event.type === 'run' || event.type === 'reset') && !this.#held.has(event.token))
        continue;
      if (event.type === 'data' || event.type === 'run') {
        const run = runAfter(event.type === 'run' ? event : runOf(event), this.resumePositions.get(event.token));
        if (run === null) continue;
        this.resumePositions.set(event.token, runEnd(run));
        fresh.push(run);
      } else if (event.type === 'reset') {
        this.resumePositions.set(event.token, { epoch: event.epoch, offset: event.offset });
        fresh.push(event);
      } else if (event.type === 'figure') {
        fresh.push(event);
      } else if (event.type === 'ready') {
        // The relay's first ready on a transport says what it takes up a WebSocket.
        if (event.control !== undefined) this.#control = event.control;
        if (event.maxTokens !== undefined) this.#maxTokens = event.maxTokens;
      } else if (event.type === 'error' && event.code === 'unauthorized') {
        // SSE: the read token expired while the stream was open (WebSocket says it with 4401).
        if (fresh.length > 0) this.#options.onEvents(fresh);
        this.#dropTransport();
        this.#refused('unauthorized', event.message);
        return;
      } else if (event.type === 'error') {
        this.#options.onError('relay-error', `${event.code}: ${event.message}`, event.token);
      }
    }
    if (fresh.length > 0) this.#options.onEvents(fresh);
  }

  #watchSilence(): void {
    this.#stopSilenceWatch();
    const staleAfter = this.#staleAfter;
    this.#silenceTimer = setInterval(
      () => {
        const silent = Date.now() - this.#lastActivity;
        if (silent >= 2 * staleAfter) this.reconnect(`no data or heartbeat for ${silent} ms`);
        else if (silent >= staleAfter && this.#state === 'live')
          this.#setState('stale', `no data or heartbeat for ${silent} ms`);
      },
      Math.max(50, Math.min(1000, staleAfter / 4)),
    );
  }

  #stopSilenceWatch(): void {
    if (this.#silenceTimer !== null) clearInterval(this.#silenceTimer);
    this.#silenceTimer = null;
  }

  #dropTransport(): void {
    this.#opening++;
    this.#stopSilenceWatch();
    const transport = this.#transport;
    this.#transport = null;
    transport?.close();
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #setState(state: ConnectionState, reason: string): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#options.onState(state, reason);
  }
}
