/**
 * `POST /`: a producer's ingest (Plotly's streaming protocol). The answers before it starts (403 a
 * page not allowed, 400 a bad token, 401 a write key, 503 shutting down), then an `Ingest` takes
 * the body, its lines written through the relay's one path to the engine, and it takes its token
 * from an older ingest (409 to that one). Without a `plotly-streamtoken` header each line names its
 * token (`Multiplexer`, Plotly's Arduino libraries); with `plotly-convertTimestamp` each line's `x`
 * becomes a date (`TimestampConverter`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TOKEN_RULE, isValidToken, parseLine } from '../../../shared/messages.js';
import { checkWriteKey, type WriteKeys } from '../../access/keys.js';
import type { RequestGate } from '../../access/request-gate.js';
import { SHUTDOWN_RETRY_AFTER_S } from '../../constants.js';
import type { RelayLog } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { Ingest, type IngestLineOutcome } from '../../producers/ingest.js';
import { Multiplexer } from '../../producers/multiplexer.js';
import { TimestampConverter } from '../../producers/timestamps.js';
import type { LineWriter } from '../../producers/line-writer.js';
import type { Producers } from '../../producers/producers.js';
import { headerValue, sendText } from '../http.js';
import type { IsClosing, RouteHandler } from './route.js';

export interface IngestRouteParts {
  gate: RequestGate;
  /** Write keys by token, or null when ingest is open. */
  keys: WriteKeys | null;
  producers: Producers;
  lines: LineWriter;
  metrics: Metrics;
  log: RelayLog;
  options: { idleTimeoutMs: number; maxLineBytes: number };
  isClosing: IsClosing;
}

export function ingestRoute(parts: IngestRouteParts): RouteHandler {
  const { gate, producers, lines, metrics, log } = parts;
  return (req, res) => {
    if (req.method !== 'POST') {
      sendText(res, 405, 'ingest takes POST with a plotly-streamtoken header (subscribe at /subscribe)\n', {
        allow: 'POST, OPTIONS',
      });
      return;
    }
    // A refused ingest may still be sending its body: answer, then close rather than read it.
    const pageHeaders = gate.cors(req);
    const cors = { ...pageHeaders, connection: 'close' };
    const token = admit(req, res, parts, cors);
    if (token === false) return;
    for (const [name, value] of Object.entries(pageHeaders)) res.setHeader(name, value);
    const timestamps = timestampsOf(req, log);
    const multiplexer =
      token === null ? new Multiplexer(req, { lines, producers, keys: parts.keys, metrics, log, timestamps }) : null;
    const label = token ?? 'multiplexed';
    const write = (line: string): IngestLineOutcome => {
      if (multiplexer !== null) return multiplexer.write(line);
      return lines.write(token as string, timestamps === null ? line : convertLine(line, timestamps));
    };
    const ingest = new Ingest(
      token,
      req,
      res,
      { ...parts.options, lineBudget: producers.lineBudget },
      {
        write,
        // A line too long names no token it could be counted against when multiplexed.
        tooLong: () => (token === null ? undefined : lines.rejected(token, 'line-too-long')),
        onRejected: (error) =>
          log.line(
            'rejected',
            `ingest ${label}: line ${error.line} ${error.code === 'not-stored' ? 'not stored' : `rejected (${error.code})`}: ${error.message}`,
          ),
        onEnd: (ended) => {
          for (const held of producers.tokensOf(ended)) metrics.token(held).producers--;
          producers.remove(ended);
          metrics.connections.ingest--;
          if (ended.summary.closed) log.line('ended', `ingest ${label} ended: ${ended.summary.closed}`);
        },
      },
    );
    multiplexer?.attach(ingest);
    if (token !== null) metrics.connected(token).producers++;
    metrics.connections.ingest++;
    producers.add(ingest);
    ingest.start();
  };
}

/**
 * The token the ingest may write to (null: none in the header, each line names its own), or false
 * when it was refused (answered here).
 */
function admit(
  req: IncomingMessage,
  res: ServerResponse,
  { gate, keys, metrics, log, isClosing }: IngestRouteParts,
  cors: Record<string, string>,
): string | null | false {
  // A page may POST to a relay on the viewer's own machine: only allowed pages may write.
  const badOrigin = gate.checkOrigin(req, 'ingest');
  if (badOrigin !== null) {
    sendText(res, 403, `${badOrigin}\n`, cors);
    return false;
  }
  if (isClosing()) {
    sendText(res, 503, 'the relay is shutting down\n', { ...cors, 'retry-after': String(SHUTDOWN_RETRY_AFTER_S) });
    return false;
  }
  const token = headerValue(req, 'plotly-streamtoken');
  if (token === undefined || token === '') return null;
  if (!isValidToken(token)) {
    sendText(res, 400, `plotly-streamtoken must be ${TOKEN_RULE}\n`, cors);
    return false;
  }
  const refused = checkWriteKey(keys, token, req);
  if (refused !== null) {
    metrics.refuse('write-key');
    log.line('refused', `ingest for ${token} from ${req.socket.remoteAddress} refused: ${refused}`);
    sendText(res, 401, `${refused}\n`, { ...cors, 'www-authenticate': 'Bearer' });
    return false;
  }
  return token;
}

/** The request's `plotly-convertTimestamp`, from its start; a zone the relay does not know is logged. */
function timestampsOf(req: IncomingMessage, log: RelayLog): TimestampConverter | null {
  const header = headerValue(req, 'plotly-converttimestamp');
  if (header === undefined) return null;
  const converter = new TimestampConverter(header, Date.now());
  if (converter.fallbackReason !== null)
    log.line('rejected', `ingest from ${req.socket.remoteAddress}: ${converter.fallbackReason}`);
  return converter;
}

/** A line of a single-token ingest with its `x` made a date; a line that is not a message goes as it is (the writer rejects it). */
function convertLine(line: string, timestamps: TimestampConverter): string {
  const parsed = parseLine(line);
  if (parsed.kind !== 'message' || !('x' in parsed.message)) return line;
  parsed.message['x'] = timestamps.convert(parsed.message['x']);
  return JSON.stringify(parsed.message);
}
