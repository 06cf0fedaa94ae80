/** The WebSocket transport: one socket to `/subscribe`, text frames of JSON events. */
import { CloseCode } from '../../shared/protocol.js';
import type { Transport, TransportHandlers } from './types.js';

export function openWebSocket(url: URL, handlers: TransportHandlers): Transport {
  const socket = new WebSocket(url);
  let closed = false;
  const detach = () => {
    closed = true;
    socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
  };
  socket.onopen = () => handlers.onOpen();
  socket.onmessage = (event: MessageEvent) => {
    if (typeof event.data === 'string') handlers.onFrame(event.data);
  };
  socket.onclose = (event: CloseEvent) => {
    if (closed) return;
    detach();
    const said = event.reason ? `: ${event.reason}` : '';
    const refusal =
      event.code === CloseCode.unauthorized
        ? 'unauthorized'
        : event.code === CloseCode.forbidden
          ? 'forbidden'
          : undefined;
    handlers.onClose({
      reason: `websocket closed (${event.code}${said})`,
      retry: event.code !== CloseCode.badRequest && refusal === undefined,
      refusal,
      said: event.reason || undefined,
    });
  };
  return {
    send(text) {
      if (closed || socket.readyState !== WebSocket.OPEN) return false;
      socket.send(text);
      return true;
    },
    close() {
      if (closed) return;
      detach();
      // Connecting or open (not closing or closed already).
      if (socket.readyState < WebSocket.CLOSING) socket.close(1000);
    },
  };
}
