/**
 * A multiplexed ingest, as Plotly's Arduino libraries write one (and Plotly's multiplexer,
 * plexi.js, took it): a POST with no `plotly-streamtoken` header whose lines each name their token
 * (`{"x": 1234, "y": 512, "streamtoken": "..."}`), several tokens on one request. Each line goes to
 * its token through the relay's one path to the engine, `streamtoken` taken out of what is stored;
 * each token is held to its own write key, takes the token over from the ingest that held it (the
 * takeover rule) and has its own counters. A line that names no token, a token that is not one, a
 * token the request has no write key for, or one token more than `MAX_TOKENS_PER_INGEST` is
 * rejected alone. A first message that names no token is not a multiplexed ingest but a request
 * without its header: 406, as before.
 */
import type { IncomingMessage } from 'node:http';
import { isValidToken, parseLine, preview, TOKEN_RULE } from '../../shared/messages.js';
import { checkWriteKey, type WriteKeys } from '../access/keys.js';
import { MAX_TOKENS_PER_INGEST } from '../constants.js';
import type { RelayLog } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Ingest, IngestLineOutcome } from './ingest.js';
import type { LineWriter } from './line-writer.js';
import type { Producers } from './producers.js';
import type { TimestampConverter } from './timestamps.js';

export const MISSING_TOKEN =
  'missing header plotly-streamtoken: name the stream to write to (or name it in each line as "streamtoken")';

export interface MultiplexerParts {
  lines: LineWriter;
  producers: Producers;
  /** Write keys by token, or null when ingest is open. */
  keys: WriteKeys | null;
  metrics: Metrics;
  log: RelayLog;
  /** `x` as a date, when the request asked (`plotly-convertTimestamp`). */
  timestamps: TimestampConverter | null;
}

export class Multiplexer {
  readonly #parts: MultiplexerParts;
  readonly #req: IncomingMessage;
  /** Each token named so far: null when it may be written, else why its lines are rejected. */
  readonly #tokens = new Map<string, string | null>();
  #ingest: Ingest | null = null;

  constructor(req: IncomingMessage, parts: MultiplexerParts) {
    this.#req = req;
    this.#parts = parts;
  }

  /** The ingest whose lines this routes (set once it exists). */
  attach(ingest: Ingest): void {
    this.#ingest = ingest;
  }

  /** One line: to its token, or rejected alone. */
  write(line: string): IngestLineOutcome {
    const parsed = parseLine(line);
    if (parsed.kind !== 'message') return parsed;
    const { message } = parsed;
    const token = message['streamtoken'];
    if (token === undefined) {
      if (this.#tokens.size === 0) return { kind: 'end', status: 406, reason: MISSING_TOKEN };
      return this.#rejected(
        'no-token',
        `a line names no "streamtoken" (this request has no plotly-streamtoken header)`,
      );
    }
    if (typeof token !== 'string' || !isValidToken(token))
      return this.#rejected(
        'bad-token',
        `"streamtoken" must be ${TOKEN_RULE}, got ${preview(JSON.stringify(token), 40)}`,
      );
    const refusal = this.#admit(token);
    if (refusal !== null) return this.#rejected(refusal.code, refusal.reason, token);
    delete message['streamtoken'];
    if (this.#parts.timestamps !== null && 'x' in message) message['x'] = this.#parts.timestamps.convert(message['x']);
    return this.#parts.lines.write(token, JSON.stringify(message));
  }

  /** Null when lines of `token` may be written, else why not (said once per token in the log). */
  #admit(token: string): { code: 'unauthorized' | 'too-many-tokens'; reason: string } | null {
    const known = this.#tokens.get(token);
    if (known !== undefined) return known === null ? null : { code: 'unauthorized', reason: known };
    const { keys, producers, metrics, log } = this.#parts;
    if (this.#tokens.size >= MAX_TOKENS_PER_INGEST)
      return {
        code: 'too-many-tokens',
        reason: `one ingest writes at most ${MAX_TOKENS_PER_INGEST} tokens; ${JSON.stringify(token)} is one more`,
      };
    const refused = checkWriteKey(keys, token, this.#req);
    this.#tokens.set(token, refused);
    if (refused !== null) {
      metrics.refuse('write-key');
      log.line(
        'refused',
        `multiplexed ingest line for ${token} from ${this.#req.socket.remoteAddress} refused: ${refused}`,
      );
      return { code: 'unauthorized', reason: refused };
    }
    const ingest = this.#ingest as Ingest;
    if (producers.take(ingest, token)) {
      ingest.summary.tokens?.push(token);
      metrics.connected(token).producers++;
    }
    return null;
  }

  #rejected(
    code: 'no-token' | 'bad-token' | 'unauthorized' | 'too-many-tokens',
    message: string,
    token?: string,
  ): IngestLineOutcome {
    if (token !== undefined && code === 'unauthorized') this.#parts.lines.rejected(token, code);
    return { kind: 'rejected', error: { code, message } };
  }
}
