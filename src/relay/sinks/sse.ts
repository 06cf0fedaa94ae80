/** Server-Sent Events sink: one `data:` event per frame, `id:` with the positions, keep-alives. */
import type { ServerResponse } from 'node:http';
import type { FrameSink } from '../subscription.js';

export function openEventStream(res: ServerResponse, cors: string): FrameSink {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'access-control-allow-origin': cors,
  });
  res.socket?.setNoDelay(true);
  // EventSource would reconnect by itself after this long; the element manages its own reconnects.
  res.write('retry: 2000\n\n');
  return {
    send(frame, positions) {
      // Frames that move no position (errors, heartbeats before any data) carry no id.
      const id = positions();
      res.write(id === '' ? `data: ${frame}\n\n` : `id: ${id}\ndata: ${frame}\n\n`);
    },
    bufferedBytes: () => res.writableLength,
    close(_code, reason) {
      if (res.writableEnded) return;
      res.end(`data: ${JSON.stringify({ type: 'error', code: 'closed', message: reason })}\n\n`);
    },
  };
}

/** A comment line: keeps proxies from timing the stream out (EventSource ignores it). */
export function sseKeepAlive(res: ServerResponse): void {
  if (!res.writableEnded) res.write(': keep-alive\n\n');
}
