/**
 * The relay's viewers: each subscription's start (and its start again when the engine comes back),
 * its read token's expiry, the outgoing budget every viewer writes within, heartbeats, the counters
 * of `/metrics`, and closing them all.
 */
import { CONTROL_VERSION, CloseCode, type SubscribeRequest } from '../../shared/protocol.js';
import type { ReadGrant } from '../access/read-access.js';
import { ByteBudget } from '../byte-budget.js';
import { EngineRetry } from '../engines/engine-retry.js';
import type { Engine } from '../engines/engine.js';
import type { RelayLog } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Fanout } from './fanout.js';
import type { FrameSink } from './frame-sink.js';
import { Subscription } from './subscription.js';
import { badTokensEvent, tooManyTokensEvent } from './viewer-errors.js';

export interface ViewersOptions {
  /** Bytes waiting for one viewer before it is cut off. */
  maxBufferedBytes: number;
  /** Bytes waiting for all viewers together (the outgoing budget). */
  maxTotalBufferedBytes: number;
  /** Tokens one subscription may hold (said to WebSocket viewers in `ready`). */
  maxTokensPerSubscription: number;
}

/** A subscription asked for, and the valid tokens past the cap (not served; said to the viewer). */
export interface AskedSubscription {
  request: SubscribeRequest;
  tooMany: string[];
}

export class Viewers {
  /** What waits for all viewers together, held under `maxTotalBufferedBytes` at every write. */
  readonly budget: ByteBudget;
  readonly #fanout: Fanout;
  readonly #engine: Engine;
  readonly #metrics: Metrics;
  readonly #log: RelayLog;
  readonly #options: ViewersOptions;
  readonly #onError: (where: string, error: unknown) => void;
  readonly #subscriptions = new Set<Subscription>();
  readonly #retry: EngineRetry<Subscription>;

  constructor(
    fanout: Fanout,
    metrics: Metrics,
    log: RelayLog,
    options: ViewersOptions,
    onError: (where: string, error: unknown) => void,
  ) {
    this.#fanout = fanout;
    this.#engine = fanout.engine;
    this.#metrics = metrics;
    this.#log = log;
    this.#options = options;
    this.#onError = onError;
    this.#retry = new EngineRetry(this.#engine);
    this.budget = new ByteBudget(options.maxTotalBufferedBytes, {
      reason: (limit, held) =>
        `the relay has more than ${limit} bytes waiting for its viewers, ${held} of them for this one; reconnect to resume`,
      onCut: () => metrics.refuse('outgoing-budget'),
    });
  }

  /** Open subscriptions. */
  get size(): number {
    return this.#subscriptions.size;
  }

  /** The subscription asked for in a query (and an SSE reconnect's `Last-Event-ID`), capped. */
  ask(request: SubscribeRequest): AskedSubscription {
    const tooMany = request.tokens.slice(this.#options.maxTokensPerSubscription);
    request.tokens = request.tokens.slice(0, this.#options.maxTokensPerSubscription);
    return { request, tooMany };
  }

  /**
   * Starts a subscription on a sink; returns it and what ends it (idempotent). `names`: what the
   * viewer knows its tokens by (a hosted chart's viewers); `control`: a WebSocket viewer may change
   * its tokens up the socket (not a chart's: its tokens are the chart's).
   */
  subscribe(
    kind: 'websocket' | 'sse',
    sink: FrameSink,
    { request: { tokens, invalid, resume, runs, columns }, tooMany }: AskedSubscription,
    grant: ReadGrant | null,
    { names, control = kind === 'websocket' }: { names?: ReadonlyMap<string, string>; control?: boolean } = {},
  ): { subscription: Subscription; done: () => void } {
    const metrics = this.#metrics;
    const subscription = new Subscription(
      this.#fanout,
      tokens,
      sink,
      {
        maxBufferedBytes: this.#options.maxBufferedBytes,
        runs,
        columns,
        budget: this.budget,
        ...(names === undefined ? {} : { names }),
      },
      {
        onTooSlow: (names) => {
          for (const name of names) metrics.token(name).slowDisconnects++;
          this.#log.line('ended', `${kind} subscriber of ${names.join(',')} cut off: it did not keep up`);
        },
        onReset: (token) => metrics.token(token).resets++,
        onError: (error) => this.#onError(`${kind} subscription to ${tokens.join(',')}`, error),
      },
    );
    this.#subscriptions.add(subscription);
    metrics.connections[kind]++;
    for (const token of tokens) metrics.connected(token).subscribers++;
    if (invalid.length > 0) subscription.sendNow(badTokensEvent(invalid, 'not subscribed'));
    if (tooMany.length > 0) subscription.sendNow(tooManyTokensEvent(tooMany, this.#options.maxTokensPerSubscription));
    let expiry: NodeJS.Timeout | null = null;
    const done = () => {
      if (expiry !== null) clearTimeout(expiry);
      this.#retry.forget(subscription);
      if (!this.#subscriptions.delete(subscription)) return;
      subscription.close();
      metrics.connections[kind]--;
      for (const token of subscription.tokens) metrics.token(token).subscribers--;
    };
    // A read token is good until it expires: the connection ends then (the viewer asks for a new one).
    if (grant !== null) {
      const expire = () => {
        const left = grant.expiresAt - Date.now();
        if (left > 0) {
          expiry = setTimeout(expire, Math.min(left, 2 ** 31 - 1));
          return;
        }
        metrics.refuse('read-expired');
        subscription.close(CloseCode.unauthorized, 'the read token has expired');
        done();
      };
      expire();
    }
    const begin = (): void => {
      // A WebSocket viewer is told it may change its tokens up the socket (control messages).
      const ready = control ? { control: CONTROL_VERSION, maxTokens: this.#options.maxTokensPerSubscription } : {};
      subscription.start(resume, ready).catch((error: unknown) => {
        if (subscription.closed) return;
        // The engine is away (Redis down): keep the viewer connected and start again when it is back.
        if (!this.#engine.health().ok) {
          this.#retry.wait(subscription, begin);
          return;
        }
        this.#log.line('lifecycle', `subscription to ${tokens.join(',')} failed: ${(error as Error).message}`);
        subscription.close(CloseCode.internalError, 'the relay could not read history');
      });
    };
    if (!subscription.closed) begin();
    return { subscription, done };
  }

  /**
   * Each viewer's keep-alive, and a heartbeat event while the engine can serve (without one,
   * viewers show `stale` while their connection stays open). A viewer whose keep-alive throws ends.
   */
  heartbeat(): void {
    const healthy = this.#engine.health().ok;
    for (const subscription of this.#subscriptions) {
      try {
        subscription.heartbeat(healthy);
      } catch (error) {
        subscription.fail(error);
      }
    }
  }

  /** Closes every viewer with a code and a reason (shutdown), and stops waiting for the engine. */
  closeAll(code: number, reason: string): void {
    this.#retry.stop();
    for (const subscription of [...this.#subscriptions]) subscription.close(code, reason);
  }
}
