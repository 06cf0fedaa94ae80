/**
 * Ending a connection whose peer does not read: a TCP reset, so neither the relay nor the kernel
 * keeps what was written and not read (a graceful end waits behind it, megabytes, for as long as the
 * peer holds its window shut).
 */
import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import { constants as http2 } from 'node:http2';
import { isHttp2 } from '../http.js';

/** Resets a TCP socket (a TLS socket's own TCP socket too); destroys what cannot be reset. */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  // A TLS socket wraps the TCP one (its `_handle` is TLS's): reset the connection under it.
  const tcp = (socket as Socket & { _parent?: Socket })._parent ?? socket;
  try {
    if (typeof tcp.resetAndDestroy === 'function' && !tcp.destroyed) tcp.resetAndDestroy();
  } catch {
    // not a TCP socket after all (a pipe): destroying it is all there is
  }
  socket.destroy();
}

/**
 * Ends a response's connection at once: over HTTP/1.1 its socket is reset; over HTTP/2 only its
 * stream is (RST_STREAM, CANCEL): the session and its other streams go on.
 */
export function resetResponse(res: ServerResponse): void {
  if (isHttp2(res.req)) {
    const stream = (res as unknown as { stream?: { close(code: number): void; destroyed: boolean } }).stream;
    if (stream !== undefined && !stream.destroyed) stream.close(http2.NGHTTP2_CANCEL);
    res.destroy();
    return;
  }
  if (res.socket !== null) resetSocket(res.socket);
  res.destroy();
}
