/**
 * One connection per relay per page. Charts (members) with the same relay, transport and read
 * credentials share a `RelayConnection` that subscribes to the union of their tokens (several,
 * when there are more tokens than one subscription may hold). Each member gets only its own
 * tokens' events, filtered by its own positions: a chart that joins a token others already hold gets
 * that token's whole window (the token is subscribed again, without resume), while the charts that
 * had it drop what they already have, so none of them sees a gap, a duplicate or a false reset.
 */
import { runAfter, runEnd, type Position } from '../../shared/protocol.js';
import type { BackoffOptions } from '../../shared/backoff.js';
import {
  RelayConnection,
  type ConnectionOptions,
  type ConnectionState,
  type StreamEvent,
  type TransportChoice,
} from './connection.js';

/** Tokens one subscription holds when the relay has not said (the relay's default). */
export const DEFAULT_MAX_TOKENS = 64;

export interface MemberHandlers {
  /** This member's tokens' data and resets, in order, without duplicates. */
  onEvents(events: StreamEvent[]): void;
  onState(state: ConnectionState, reason: string): void;
  onError: ConnectionOptions['onError'];
}

export interface ShareOptions {
  src: string;
  transport: TransportChoice;
  staleAfter: number;
  /** The read token, or what gives one; members share a connection only with the same value. */
  accessToken?: string | (() => ReturnType<NonNullable<ConnectionOptions['accessToken']>>);
  backoff?: BackoffOptions;
  /** Opens transports (tests pass fakes). */
  open?: ConnectionOptions['open'];
}

/** A member's hold on a shared connection. */
export interface Lease {
  /** Changes the member's tokens; the shared subscription follows without a new connection when it can. */
  setTokens(tokens: readonly string[]): void;
  /** Reconnects the connections that carry this member's tokens (resuming). */
  reconnect(reason: string): void;
  /** Reconnects made by the connections that carry this member's tokens. */
  readonly reconnects: number;
  /** Leaves; the connection closes when its last member leaves. */
  release(): void;
}

interface Member {
  tokens: Set<string>;
  staleAfter: number;
  handlers: MemberHandlers;
  /** Where the member is in each of its tokens: what it has already drawn. */
  positions: Map<string, Position>;
  /**
   * Tokens the member joined and has had no `reset` for yet: it takes nothing of them until that
   * reset (data still on the way from before it joined would leave a gap before it).
   */
  awaitingReset: Set<string>;
  state: ConnectionState | null;
}

interface Lane {
  connection: RelayConnection;
  tokens: Set<string>;
}

/** Members' share keys: a function credential is told apart by identity. */
const credentialIds = new WeakMap<object, number>();
let nextCredentialId = 0;

function shareKey(options: ShareOptions): string {
  const token = options.accessToken;
  // A read token as itself, a function as its number (JSON tells the two apart).
  let credential: unknown = token;
  if (typeof token === 'function') {
    credential = credentialIds.get(token);
    if (credential === undefined) credentialIds.set(token, (credential = ++nextCredentialId));
  }
  let src = options.src;
  try {
    src = new URL(options.src, (globalThis as { location?: { href: string } }).location?.href).href;
  } catch {
    // left as given: the connection reports a bad src
  }
  return JSON.stringify([src, options.transport, credential]);
}

/** Connection states, the least live first. */
const STATE_ORDER: readonly ConnectionState[] = ['closed', 'connecting', 'reconnecting', 'stale', 'live'];

class SharedConnection {
  readonly #options: ShareOptions;
  readonly #onEmpty: () => void;
  readonly #members = new Set<Member>();
  #lanes: Lane[] = [];
  /** Why each connection is in its state, as it said. */
  readonly #reasons = new WeakMap<RelayConnection, string>();

  constructor(options: ShareOptions, onEmpty: () => void) {
    this.#options = options;
    this.#onEmpty = onEmpty;
  }

  /** Relay connections this shared connection holds (one per `maxTokens` tokens). */
  get connectionCount(): number {
    return this.#lanes.length;
  }

  join(tokens: readonly string[], staleAfter: number, handlers: MemberHandlers): Lease {
    const member: Member = {
      tokens: new Set(),
      staleAfter,
      handlers,
      positions: new Map(),
      awaitingReset: new Set(),
      state: null,
    };
    this.#members.add(member);
    this.#setTokens(member, tokens);
    const reconnectsOf = () => this.#lanesOf(member).reduce((sum, lane) => sum + lane.connection.reconnects, 0);
    return {
      setTokens: (next) => {
        if (this.#members.has(member)) this.#setTokens(member, next);
      },
      reconnect: (reason) => {
        for (const lane of this.#lanesOf(member)) lane.connection.reconnect(reason);
      },
      get reconnects() {
        return reconnectsOf();
      },
      release: () => {
        if (!this.#members.delete(member)) return;
        this.#rebalance(new Set());
        if (this.#members.size === 0) this.#onEmpty();
      },
    };
  }

  #lanesOf(member: Member): Lane[] {
    return this.#lanes.filter((lane) => [...member.tokens].some((token) => lane.tokens.has(token)));
  }

  #setTokens(member: Member, tokens: readonly string[]): void {
    const next = new Set(tokens);
    const joined = [...next].filter((token) => !member.tokens.has(token));
    for (const token of member.tokens)
      if (!next.has(token)) {
        member.positions.delete(token);
        member.awaitingReset.delete(token);
      }
    for (const token of joined) member.awaitingReset.add(token);
    member.tokens = next;
    // A token the member joins that another member already holds comes again, whole, for it.
    const held = new Set(this.#lanes.flatMap((lane) => [...lane.tokens]));
    this.#rebalance(new Set(joined.filter((token) => held.has(token))));
    this.#updateState(member);
  }

  /** The shortest stale time of the members: the connection goes stale for the most impatient chart. */
  #staleAfter(): number {
    return Math.min(...[...this.#members].map((m) => m.staleAfter));
  }

  /** Makes the lanes hold exactly the tokens members want, as few lanes as the relay's cap allows. */
  #rebalance(fresh: Set<string>): void {
    if (this.#members.size > 0) for (const lane of this.#lanes) lane.connection.staleAfter = this.#staleAfter();
    const wanted = new Set([...this.#members].flatMap((m) => [...m.tokens]));
    const changed = new Set<Lane>();
    for (const lane of this.#lanes) {
      for (const token of lane.tokens)
        if (!wanted.has(token)) {
          lane.tokens.delete(token);
          changed.add(lane);
        }
      if ([...fresh].some((token) => lane.tokens.has(token))) changed.add(lane);
    }
    const placed = new Set(this.#lanes.flatMap((lane) => [...lane.tokens]));
    const added: Lane[] = [];
    for (const token of wanted) {
      if (placed.has(token)) continue;
      // Not into a connection the relay refused for good: a new one asks again.
      let lane = this.#lanes.find((l) => l.connection.state !== 'closed' && l.tokens.size < this.#capacity(l));
      if (lane === undefined) {
        lane = { connection: this.#connect(), tokens: new Set() };
        this.#lanes.push(lane);
        added.push(lane);
      }
      lane.tokens.add(token);
      changed.add(lane);
    }
    for (const lane of this.#lanes.filter((l) => l.tokens.size === 0)) lane.connection.close('no chart left');
    this.#lanes = this.#lanes.filter((lane) => lane.tokens.size > 0);
    for (const lane of changed) {
      if (lane.tokens.size === 0) continue;
      if (added.includes(lane)) {
        lane.connection.setTokens([...lane.tokens]);
        // Charts made in the same task (a page's dashboard) join before it connects: one connect.
        queueMicrotask(() => {
          if (this.#lanes.includes(lane) && lane.connection.state === null) lane.connection.start();
        });
      } else {
        lane.connection.setTokens(
          [...lane.tokens],
          [...fresh].filter((token) => lane.tokens.has(token)),
        );
      }
    }
  }

  #capacity(lane: Lane): number {
    return lane.connection.maxTokens ?? DEFAULT_MAX_TOKENS;
  }

  #connect(): RelayConnection {
    const options = this.#options;
    const token = options.accessToken;
    const connection: RelayConnection = new RelayConnection({
      src: options.src,
      tokens: [],
      transport: options.transport,
      staleAfter: this.#staleAfter(),
      backoff: options.backoff,
      open: options.open,
      ...(token === undefined
        ? {}
        : {
            accessToken: typeof token === 'function' ? token : () => token,
            refreshableToken: typeof token === 'function',
          }),
      onEvents: (events) => this.#route(events),
      onState: (_state, reason) => {
        this.#reasons.set(connection, reason);
        for (const member of this.#members) this.#updateState(member);
      },
      onError: (code, message, token) => {
        const lane = this.#lanes.find((l) => l.connection === connection);
        for (const member of this.#members) {
          const concerned =
            token !== undefined ? member.tokens.has(token) : lane && [...member.tokens].some((t) => lane.tokens.has(t));
          if (concerned) member.handlers.onError(code, message, token);
        }
      },
    });
    return connection;
  }

  /** Hands each member its tokens' events, past what it already has. */
  #route(events: StreamEvent[]): void {
    const batches = new Map<Member, StreamEvent[]>();
    for (const event of events) {
      for (const member of this.#members) {
        if (event.type === 'figure') {
          // A hosted chart's figure: every chart on this connection is that chart.
          const batch = batches.get(member) ?? [];
          batch.push(event);
          batches.set(member, batch);
          continue;
        }
        if (!member.tokens.has(event.token)) continue;
        const position = member.positions.get(event.token);
        let mine: StreamEvent | null = event;
        if (event.type === 'reset') {
          if (member.awaitingReset.delete(event.token)) {
            // Its first reset: from here on, the token's window.
          } else if (position !== undefined && position.epoch === event.epoch && position.offset >= event.offset) {
            continue; // the token subscribed again for another member: this one has up to its position
          }
          member.positions.set(event.token, { epoch: event.epoch, offset: event.offset });
        } else {
          if (member.awaitingReset.has(event.token)) continue;
          mine = runAfter(event, position);
          if (mine === null) continue;
          member.positions.set(event.token, runEnd(mine));
        }
        let batch = batches.get(member);
        if (batch === undefined) batches.set(member, (batch = []));
        batch.push(mine);
      }
    }
    for (const [member, batch] of batches) member.handlers.onEvents(batch);
  }

  /**
   * A member's state: the least live of the connections that carry its tokens (one about to connect
   * counts as `connecting`), with that connection's reason.
   */
  #updateState(member: Member): void {
    let state: ConnectionState | null = null;
    let reason = 'start';
    for (const lane of this.#lanesOf(member)) {
      const s = lane.connection.state ?? 'connecting';
      if (state === null || STATE_ORDER.indexOf(s) < STATE_ORDER.indexOf(state)) {
        state = s;
        reason = this.#reasons.get(lane.connection) ?? 'start';
      }
    }
    if (state === null || state === member.state) return;
    member.state = state;
    member.handlers.onState(state, reason);
  }
}

/** Shared connections by relay, transport, stale time and credentials. */
export class ConnectionPool {
  readonly #shared = new Map<string, SharedConnection>();

  /** Joins the connection for these options (made on the first member, closed after the last). */
  join(options: ShareOptions, tokens: readonly string[], handlers: MemberHandlers): Lease {
    const staleAfter = options.staleAfter;
    const key = shareKey(options);
    let shared = this.#shared.get(key);
    if (shared === undefined) {
      const made = new SharedConnection(options, () => {
        if (this.#shared.get(key) === made) this.#shared.delete(key);
      });
      this.#shared.set(key, made);
      shared = made;
    }
    return shared.join(tokens, staleAfter, handlers);
  }

  /** Shared connections open (one per relay, transport, stale time and credentials). */
  get size(): number {
    return this.#shared.size;
  }

  /** Relay connections open (a shared connection with more tokens than the cap holds several). */
  get connectionCount(): number {
    return [...this.#shared.values()].reduce((sum, shared) => sum + shared.connectionCount, 0);
  }
}

/** The page's pool: every element on the page joins it. */
export const pagePool = new ConnectionPool();
