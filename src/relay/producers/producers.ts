/**
 * The relay's open ingests, by token, and the takeover rule: a newer ingest of a token ends the
 * older one with 409 (a producer that reconnected wins over its own stale connection). When the
 * engine numbers ingests across relays (Redis: `claimProducer`), the newest wins on every relay.
 * Also the line budget: what all ingests' unfinished lines hold together.
 */
import type { Socket } from 'node:net';
import { ByteBudget } from '../byte-budget.js';
import type { Engine } from '../engines/engine.js';
import type { Ingest } from './ingest.js';

export const TAKEN_OVER = 'another ingest connection took over this token';

/** A token's open ingest: its number across relays (null until the engine answers) and the newest number heard for the token. */
interface Claim {
  ingest: Ingest;
  claim: number | null;
  newest: number;
}

export interface ProducersOptions {
  /**
   * Bytes of producers' lines held together (begun and not ended, or not yet stored); past it the
   * ingest holding the most ends with 503. Default: no limit.
   */
  maxTotalLineBytes?: number;
  /** Hears of each ingest cut off by the line budget (metrics). */
  onCut?: () => void;
}

export class Producers {
  /** What all ingests' unfinished lines hold, under `maxTotalLineBytes` at every chunk. */
  readonly lineBudget: ByteBudget;
  readonly #engine: Engine;
  readonly #byToken = new Map<string, Ingest>();
  /** Each open ingest's tokens: one (its header's), or those a multiplexed ingest's lines named. */
  readonly #tokensOf = new Map<Ingest, string[]>();
  readonly #bySocket = new WeakMap<Socket, Ingest>();
  readonly #claims = new Map<string, Claim>();

  constructor(engine: Engine, options: ProducersOptions = {}) {
    this.#engine = engine;
    this.lineBudget = new ByteBudget(options.maxTotalLineBytes ?? Infinity, {
      reason: (limit, held) =>
        `the relay holds more than ${limit} bytes of producers' lines (begun and not ended, or not yet stored), ${held} of them of this ingest; try again later`,
      ...(options.onCut === undefined ? {} : { onCut: options.onCut }),
    });
    engine.onProducerClaim?.((token, claim) => this.#heard(token, claim));
  }

  /** Open ingests. */
  get size(): number {
    return this.#tokensOf.size;
  }

  /** The ingest reading from a socket (Node's parser gave up on it: chart_studio's tail, malformed HTTP). */
  onSocket(socket: Socket): Ingest | undefined {
    return this.#bySocket.get(socket);
  }

  /** A new ingest: it takes its header's token now; a multiplexed one takes each token as a line names it (`take`). */
  add(ingest: Ingest): void {
    this.#tokensOf.set(ingest, []);
    this.#bySocket.set(ingest.socket, ingest);
    if (ingest.token !== null) this.take(ingest, ingest.token);
  }

  /**
   * An ingest takes a token: the ingest that held it here ends with 409, and one elsewhere once the
   * engine says. Returns false when it held the token already.
   */
  take(ingest: Ingest, token: string): boolean {
    const tokens = this.#tokensOf.get(ingest);
    if (tokens === undefined || tokens.includes(token)) return false;
    tokens.push(token);
    const previous = this.#byToken.get(token);
    this.#byToken.set(token, ingest);
    this.#claim(ingest, token);
    if (previous !== undefined && previous !== ingest) previous.finish(409, TAKEN_OVER);
    return true;
  }

  /** The tokens an ingest holds. */
  tokensOf(ingest: Ingest): readonly string[] {
    return this.#tokensOf.get(ingest) ?? [];
  }

  /** An ingest ended. */
  remove(ingest: Ingest): void {
    for (const token of this.#tokensOf.get(ingest) ?? []) {
      if (this.#byToken.get(token) === ingest) this.#byToken.delete(token);
      if (this.#claims.get(token)?.ingest === ingest) this.#claims.delete(token);
    }
    this.#tokensOf.delete(ingest);
  }

  /** Ends every open ingest (shutdown), each with its summary. */
  finishAll(status: number, reason: string): void {
    for (const ingest of [...this.#tokensOf.keys()]) ingest.finish(status, reason);
  }

  #claim(ingest: Ingest, token: string): void {
    if (this.#engine.claimProducer === undefined) return;
    const state: Claim = { ingest, claim: null, newest: 0 };
    this.#claims.set(token, state);
    this.#engine.claimProducer(token).then(
      (claim) => {
        state.claim = claim;
        // A newer claim may have been heard before this one's number came back.
        if (state.newest > claim) ingest.finish(409, `${TAKEN_OVER} (on another relay)`);
      },
      // The engine away (Redis down): this relay's own rule still holds; stores answer 503 if need be.
      () => undefined,
    );
  }

  /** Some relay (this one too) numbered a new ingest of `token`: an older one here ends. */
  #heard(token: string, claim: number): void {
    const state = this.#claims.get(token);
    if (state === undefined || this.#byToken.get(token) !== state.ingest) return;
    state.newest = Math.max(state.newest, claim);
    if (state.claim !== null && claim > state.claim) state.ingest.finish(409, `${TAKEN_OVER} (on another relay)`);
  }
}
