/**
 * `GET /subscribe` over Server-Sent Events (`Accept: text/event-stream`), or 426 without it: the
 * page's origin (a refusal it can read), the subscribe rate, a read token that covers the tokens,
 * then a subscription on an event stream.
 */
import { parseSubscribeRequest } from '../../../shared/protocol.js';
import { isRefusal, type ReadGrant, type ReadRefusal } from '../../access/read-access.js';
import type { RequestGate } from '../../access/request-gate.js';
import { SHUTDOWN_RETRY_AFTER_S } from '../../constants.js';
import type { Viewers } from '../../viewers/viewers.js';
import { headerValue, sendJson, sendText } from '../http.js';
import type { InternalErrors } from '../internal-errors.js';
import { openEventStream } from '../sinks/sse.js';
import type { IsClosing, RouteHandler } from './route.js';

export interface EventStreamRouteParts {
  gate: RequestGate;
  viewers: Viewers;
  errors: InternalErrors;
  isClosing: IsClosing;
}

export function eventStreamRoute({ gate, viewers, errors, isClosing }: EventStreamRouteParts): RouteHandler {
  return (req, res, target) => {
    if (req.method !== 'GET') {
      sendText(res, 405, 'subscribe with GET\n', { allow: 'GET' });
      return;
    }
    if (!String(req.headers.accept ?? '').includes('text/event-stream')) {
      sendText(res, 426, 'subscribe with a WebSocket upgrade, or with Accept: text/event-stream\n', {
        upgrade: 'websocket',
      });
      return;
    }
    const cors = gate.cors(req);
    const badOrigin = gate.checkOrigin(req, 'SSE subscription');
    if (badOrigin !== null) {
      // As a refused read token is answered: JSON the element reads (its page may read the refusal).
      sendJson(res, 403, { error: 'forbidden', reason: badOrigin }, gate.refusalCors(req));
      return;
    }
    const wait = gate.checkSubscribeRate(req);
    if (wait > 0) {
      sendText(res, 429, 'too many subscribe requests from your address\n', { ...cors, 'retry-after': String(wait) });
      return;
    }
    const asked = viewers.ask(parseSubscribeRequest(target.searchParams, headerValue(req, 'last-event-id')));
    if (asked.request.tokens.length === 0) {
      sendText(res, 400, 'name at least one valid token: /subscribe?token=...\n', cors);
      return;
    }
    const accepted = (grant: ReadGrant | ReadRefusal | null) => {
      if (res.destroyed) return;
      if (grant !== null && isRefusal(grant)) {
        const challenge: Record<string, string> =
          grant.status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {};
        sendJson(res, grant.status, { error: grant.code, reason: grant.reason }, { ...cors, ...challenge });
        return;
      }
      if (isClosing()) {
        sendText(res, 503, 'the relay is shutting down\n', { ...cors, 'retry-after': String(SHUTDOWN_RETRY_AFTER_S) });
        return;
      }
      const { done } = viewers.subscribe('sse', openEventStream(res, cors), asked, grant);
      res.on('close', done);
      res.on('error', done);
    };
    gate
      .checkRead(req, target, asked.request.tokens)
      .then(accepted)
      .catch((error: unknown) => errors.report('SSE subscription', error, res));
  };
}
