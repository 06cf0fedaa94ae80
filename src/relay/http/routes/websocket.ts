/**
 * `GET /subscribe` as a WebSocket upgrade: the page's origin (refused with 4403 and a reason the
 * page can read), the subscribe rate (429), a read token that covers the tokens (4401 / 4403), then
 * a subscription on the socket, whose tokens the viewer may change up it (control messages).
 */
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, parseSubscribeRequest } from '../../../shared/protocol.js';
import { isRefusal, type ReadGrant, type ReadRefusal } from '../../access/read-access.js';
import type { RequestGate } from '../../access/request-gate.js';
import { MAX_CONTROL_BYTES, MAX_VIEWER_MESSAGE_BYTES } from '../../constants.js';
import type { Metrics } from '../../metrics.js';
import { ControlChannel } from '../../viewers/control.js';
import type { Viewers } from '../../viewers/viewers.js';
import { closeReason, headerValue, rawResponse, type Headers } from '../http.js';
import type { InternalErrors } from '../internal-errors.js';
import { webSocketSink } from '../sinks/websocket.js';
import type { IsClosing, UpgradeHandler } from './route.js';

export interface WebSocketRouteParts {
  gate: RequestGate;
  viewers: Viewers;
  metrics: Metrics;
  errors: InternalErrors;
  isClosing: IsClosing;
  /** Tokens one subscription may hold (control messages add up to it). */
  maxTokens: number;
}

/** The route, and the `ws` server it upgrades with (closed on shutdown). */
export function webSocketRoute(parts: WebSocketRouteParts): { upgrade: UpgradeHandler; wss: WebSocketServer } {
  const { gate, viewers, metrics, errors, isClosing } = parts;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_VIEWER_MESSAGE_BYTES });
  const upgrade: UpgradeHandler = (req, socket, head, target) => {
    if (isClosing()) {
      socket.end(rawResponse('503 Service Unavailable'));
      return;
    }
    const badOrigin = gate.checkOrigin(req, 'WebSocket subscription');
    if (badOrigin !== null) {
      // A browser shows a page nothing of a refused upgrade: accept it and close with 4403 and the
      // reason, as for a refused read token, so the element can stop and say why.
      wss.handleUpgrade(req, socket, head, (ws) => ws.close(CloseCode.forbidden, closeReason(badOrigin)));
      return;
    }
    const wait = gate.checkSubscribeRate(req);
    if (wait > 0)
      return refuse(socket, '429 Too Many Requests', 'too many subscribe requests from your address', {
        'retry-after': String(wait),
      });
    const asked = viewers.ask(parseSubscribeRequest(target.searchParams, headerValue(req, 'last-event-id')));
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Control messages go to the subscription's channel once it exists; before, they wait (a few).
      let control: ControlChannel | null = null;
      const early: Array<[string | null, number]> = [];
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        // A message too big to be a control message is refused by its size: it is not decoded.
        const text = isBinary || data.length > MAX_CONTROL_BYTES ? null : data.toString('utf8');
        try {
          if (control !== null) control.receive(text, data.length);
          else if (early.length < 16) early.push([text, data.length]); // at most 16 x MAX_CONTROL_BYTES, while a read token is checked
        } catch (error) {
          errors.report('control message', error);
          ws.close(CloseCode.internalError, 'the relay failed to read a control message; reconnect');
        }
      });
      if (asked.request.tokens.length === 0) {
        ws.close(CloseCode.badRequest, 'name at least one valid token: /subscribe?token=...');
        return;
      }
      const accepted = (grant: ReadGrant | ReadRefusal | null) => {
        if (ws.readyState !== ws.OPEN) return;
        if (grant !== null && isRefusal(grant)) {
          ws.close(grant.status === 401 ? CloseCode.unauthorized : CloseCode.forbidden, closeReason(grant.reason));
          return;
        }
        if (isClosing()) {
          ws.close(CloseCode.goingAway, 'the relay is shutting down');
          return;
        }
        const { subscription, done } = viewers.subscribe('websocket', webSocketSink(ws as WebSocket), asked, grant);
        ws.on('close', done);
        ws.on('error', done);
        control = new ControlChannel(subscription, {
          maxTokens: parts.maxTokens,
          grant,
          onAdded: (tokens) => {
            for (const token of tokens) metrics.connected(token).subscribers++;
          },
          onRemoved: (tokens) => {
            for (const token of tokens) metrics.token(token).subscribers--;
          },
          close: (code, reason) => ws.close(code, closeReason(reason)),
        });
        for (const message of early.splice(0)) control.receive(...message);
      };
      gate
        .checkRead(req, target, asked.request.tokens)
        .then(accepted)
        .catch((error: unknown) => {
          errors.report('WebSocket subscription', error);
          ws.close(CloseCode.internalError, 'the relay failed to start this subscription');
        });
    });
  };
  return { upgrade, wss };
}

/** A refused upgrade: an HTTP answer on the raw socket (a browser sees only that it failed). */
function refuse(socket: Socket, status: string, text: string, headers: Headers = {}): void {
  socket.end(rawResponse(status, `${text}\n`, 'text/plain; charset=utf-8', headers));
}
