/**
 * The Server-Sent Events transport. EventSource would reconnect on its own, on its own schedule;
 * the connection's backoff and resume positions decide instead, so any error closes it here.
 */
import type { Transport, TransportHandlers } from './types.js';

export function openEventSource(url: URL, handlers: TransportHandlers): Transport {
  const source = new EventSource(url);
  let closed = false;
  const close = () => {
    closed = true;
    source.onopen = source.onmessage = source.onerror = null;
    source.close();
  };
  source.onopen = () => handlers.onOpen();
  source.onmessage = (event: MessageEvent) => handlers.onFrame(String(event.data));
  source.onerror = () => {
    if (closed) return;
    const opened = source.readyState !== EventSource.CLOSED;
    close();
    handlers.onClose({ reason: opened ? 'event stream ended' : 'event stream failed', retry: true });
  };
  return { close };
}
