/** The Server-Sent Events sink: one `data:` event per frame, `id:` with the positions, keep-alive comments. */
import type { ServerResponse } from 'node:http';
import { CloseCode, encodeError } from '../../../shared/protocol.js';
import { SSE_RETRY_MS } from '../../constants.js';
import { forProtocol, isHttp2 } from '../http.js';
import type { FrameSink } from '../../viewers/frame-sink.js';
import { resetResponse } from './reset.js';

export function openEventStream(res: ServerResponse, headers: Record<string, string>): FrameSink {
  res.writeHead(
    200,
    forProtocol(res, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    }),
  );
  // Over HTTP/2 the socket is the session's, shared by every stream: not this response's to tune.
  if (!isHttp2(res.req)) res.socket?.setNoDelay(true);
  // EventSource would reconnect by itself after this long; the element manages its own reconnects.
  res.write(`retry: ${SSE_RETRY_MS}\n\n`);
  return {
    send(frame, positions) {
      // Frames that move no position (errors, heartbeats before any data) carry no id.
      const id = positions();
      res.write(id === '' ? `data: ${frame}\n\n` : `id: ${id}\ndata: ${frame}\n\n`);
    },
    // Each viewer's event starts with its own id line; the frame's bytes are the ones built once for
    // every viewer, written as they are. A string written whole would be copied per viewer (held
    // twice, as text and as bytes, while a viewer does not read): 2.5 times what is counted.
    sendShared(bytes, positions) {
      const id = positions();
      res.cork();
      res.write(id === '' ? 'data: ' : `id: ${id}\ndata: `);
      res.write(bytes);
      res.write('\n\n');
      res.uncork();
    },
    bufferedBytes: () => res.writableLength,
    // SSE has no close code: the reason goes out as an error event (`unauthorized` when the read
    // token expired), then the stream ends. A viewer cut off for not reading could not read the
    // reason behind what waits: its connection (its stream, over HTTP/2) is reset at once.
    close(code, reason, abort = false) {
      if (abort) {
        resetResponse(res);
        return;
      }
      if (!res.writableEnded) {
        res.end(`data: ${encodeError(code === CloseCode.unauthorized ? 'unauthorized' : 'closed', reason)}\n\n`);
      }
    },
    // A comment line keeps proxies from timing the stream out (EventSource ignores it).
    keepAlive() {
      if (!res.writableEnded) res.write(': keep-alive\n\n');
    },
  };
}
