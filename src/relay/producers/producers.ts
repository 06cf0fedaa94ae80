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

/** An ingest's number across relays (null until the engine answers) and the newest number heard for its token. */
interface Claim {
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
  readonly #bySocket = new WeakMap<Socket, Ingest>();
  readonly #claims = new Map<Ingest, Claim>();

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
    return this.#byToken.size;
  }

  /** The ingest reading from a socket (Node's parser gave up on it: chart_studio's tail, malformed HTTP). */
  onSocket(socket: Socket): Ingest | undefined {
    return this.#bySocket.get(socket);
  }

  /** A new ingest takes its token: the one before it here ends with 409, and one elsewhere once the engine says. */
  add(ingest: Ingest): void {
    const previous = this.#byToken.get(ingest.token);
    this.#byToken.set(ingest.token, ingest);
    this.#bySocket.set(ingest.socket, ingest);
    this.#claim(ingest);
    previous?.finish(409, TAKEN_OVER);
  }

  /** An ingest ended. */
  remove(ingest: Ingest): void {
    if (this.#byToken.get(ingest.token) === ingest) this.#byToken.delete(ingest.token);
    this.#claims.delete(ingest);
  }

  /** Ends every open ingest (shutdown), each with its summary. */
  finishAll(status: number, reason: string): void {
    for (const ingest of [...this.#byToken.values()]) ingest.finish(status, reason);
  }

  #claim(ingest: Ingest): void {
    if (this.#engine.claimProducer === undefined) return;
    const state: Claim = { claim: null, newest: 0 };
    this.#claims.set(ingest, state);
    this.#engine.claimProducer(ingest.token).then(
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
    const ingest = this.#byToken.get(token);
    const state = ingest === undefined ? undefined : this.#claims.get(ingest);
    if (ingest === undefined || state === undefined) return;
    state.newest = Math.max(state.newest, claim);
    if (state.claim !== null && claim > state.claim) ingest.finish(409, `${TAKEN_OVER} (on another relay)`);
  }
}
