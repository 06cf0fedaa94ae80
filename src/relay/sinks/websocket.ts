/** WebSocket sink on `ws`: text frames, close codes with reasons, ping/pong liveness. */
import type { WebSocket } from 'ws';
import type { FrameSink } from '../subscription.js';

export function webSocketSink(socket: WebSocket): FrameSink {
  return {
    send(frame) {
      if (socket.readyState === socket.OPEN) socket.send(frame);
    },
    bufferedBytes: () => socket.bufferedAmount,
    close(code, reason) {
      // Close reasons are limited to 123 bytes.
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason.slice(0, 120));
    },
  };
}

const alive = new WeakSet<WebSocket>();

/** Marks the socket alive on every pong; `pingOrTerminate` ends one that missed the last ping. */
export function watchPongs(socket: WebSocket): void {
  alive.add(socket);
  socket.on('pong', () => alive.add(socket));
}

export function pingOrTerminate(socket: WebSocket): void {
  if (!alive.has(socket)) {
    socket.terminate();
    return;
  }
  alive.delete(socket);
  socket.ping();
}
