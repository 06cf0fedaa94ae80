/** The WebSocket sink on `ws`: text frames, close codes with reasons, ping/pong liveness. */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { closeReason } from '../http.js';
import type { FrameSink } from '../../viewers/frame-sink.js';
import { resetSocket } from './reset.js';

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
    sendShared(bytes) {
      if (socket.readyState === socket.OPEN) socket.send(bytes, { binary: false });
    },
    // ws counts what its sender holds and what its socket has not flushed.
    bufferedBytes: () => socket.bufferedAmount,
    close(code, reason, abort = false) {
      if (abort) {
        // The close frame would wait behind what the viewer has not read: reset instead.
        const raw = (socket as unknown as { _socket?: Socket })._socket;
        if (raw !== undefined) resetSocket(raw);
        socket.terminate();
        return;
      }
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
        socket.close(code, closeReason(reason));
      }
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
