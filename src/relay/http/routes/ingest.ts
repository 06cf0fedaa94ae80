/**
 * `POST /`: a producer's ingest (Plotly's streaming protocol). The answers before it starts (403 a
 * page not allowed, 406 no token, 400 a bad token, 401 a write key, 503 shutting down), then an
 * `Ingest` takes the body, its lines written through the relay's one path to the engine, and it
 * takes its token from an older ingest (409 to that one).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TOKEN_RULE, isValidToken } from '../../../shared/messages.js';
import { checkWriteKey, type WriteKeys } from '../../access/keys.js';
import type { RequestGate } from '../../access/request-gate.js';
import { SHUTDOWN_RETRY_AFTER_S } from '../../constants.js';
import type { RelayLog } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { Ingest } from '../../producers/ingest.js';
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
    if (token === null) return;
    const counters = metrics.connected(token);
    for (const [name, value] of Object.entries(pageHeaders)) res.setHeader(name, value);
    const ingest = new Ingest(
      token,
      req,
      res,
      { ...parts.options, lineBudget: producers.lineBudget },
      {
        write: (line) => lines.write(token, line),
        tooLong: () => lines.rejected(token, 'line-too-long'),
        onRejected: (error) =>
          log.line(
            'rejected',
            `ingest ${token}: line ${error.line} ${error.code === 'not-stored' ? 'not stored' : `rejected (${error.code})`}: ${error.message}`,
          ),
        onEnd: (ended) => {
          producers.remove(ended);
          counters.producers--;
          metrics.connections.ingest--;
          if (ended.summary.closed) log.line('ended', `ingest ${token} ended: ${ended.summary.closed}`);
        },
      },
    );
    counters.producers++;
    metrics.connections.ingest++;
    producers.add(ingest);
    ingest.start();
  };
}

/** The token the ingest may write to, or null when it was refused (answered here). */
function admit(
  req: IncomingMessage,
  res: ServerResponse,
  { gate, keys, metrics, log, isClosing }: IngestRouteParts,
  cors: Record<string, string>,
): string | null {
  // A page may POST to a relay on the viewer's own machine: only allowed pages may write.
  const badOrigin = gate.checkOrigin(req, 'ingest');
  if (badOrigin !== null) {
    sendText(res, 403, `${badOrigin}\n`, cors);
    return null;
  }
  const token = headerValue(req, 'plotly-streamtoken');
  if (token === undefined || token === '') {
    sendText(res, 406, 'missing header plotly-streamtoken: name the stream to write to\n', cors);
    return null;
  }
  if (!isValidToken(token)) {
    sendText(res, 400, `plotly-streamtoken must be ${TOKEN_RULE}\n`, cors);
    return null;
  }
  const refused = checkWriteKey(keys, token, req);
  if (refused !== null) {
    metrics.refuse('write-key');
    log.line('refused', `ingest for ${token} from ${req.socket.remoteAddress} refused: ${refused}`);
    sendText(res, 401, `${refused}\n`, { ...cors, 'www-authenticate': 'Bearer' });
    return null;
  }
  if (isClosing()) {
    sendText(res, 503, 'the relay is shutting down\n', { ...cors, 'retry-after': String(SHUTDOWN_RETRY_AFTER_S) });
    return null;
  }
  return token;
}
