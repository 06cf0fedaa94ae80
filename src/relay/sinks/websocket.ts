/** The WebSocket sink on `ws`: text frames, close codes with reasons, ping/pong liveness. */
import type { WebSocket } from 'ws';
import { CUT_OFF_LINGER_MS, MAX_CLOSE_REASON } from '../constants.js';
import type { FrameSink } from '../subscription.js';

/** Sockets that answered the last ping (or have not been pinged yet). */
const alive = new WeakSet<WebSocket>();

export function webSocketSink(socket: WebSocket): FrameSink {
  alive.add(socket);
  socket.on('pong', () => alive.add(socket));
  return {
    send(frame) {
      if (socket.readyState === socket.OPEN) socket.send(frame);
    },
    // The bytes of a text frame, encoded once for every viewer: sent as they are.
    sendShared(_frame, bytes) {
      if (socket.readyState === socket.OPEN) socket.send(bytes, { binary: false });
    },
    bufferedBytes: () => socket.bufferedAmount,
    close(code, reason, abort = false) {
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
        socket.close(code, reason.slice(0, MAX_CLOSE_REASON));
      }
      // A viewer cut off may not read its close frame behind what it has not read: gone soon after.
      if (abort) setTimeout(() => socket.terminate(), CUT_OFF_LINGER_MS).unref();
    },
    // A socket that missed the last ping is gone (a dead peer sends no close): end it.
    keepAlive() {
      if (!alive.has(socket)) {
        socket.terminate();
        return;
      }
      alive.delete(socket);
      socket.ping();
    },
  };
}
