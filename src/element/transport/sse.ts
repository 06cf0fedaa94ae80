/**
 * The Server-Sent Events transport. EventSource would reconnect on its own, on its own schedule;
 * the connection's backoff and resume positions decide instead, so any error closes it here.
 * EventSource cannot tell why it failed: when it fails before opening, one `fetch` of the same URL
 * reads the relay's status, so a refusal (401, 403: a read token, or the page's origin; the relay
 * lets a page read its refusals) is told apart from a network error.
 */
import type { Refusal, Transport, TransportHandlers } from './types.js';

/** The relay's answer to a subscribe request EventSource could not open: a refusal, or null. */
async function refusalOf(
  url: URL,
  signal: AbortSignal,
): Promise<{ refusal: Refusal; reason: string; said: string | undefined } | null> {
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal });
    if (response.status !== 401 && response.status !== 403) return null;
    let said: string | undefined;
    try {
      const body = (await response.json()) as { reason?: unknown };
      if (typeof body.reason === 'string') said = body.reason;
    } catch {
      // a proxy's page, not the relay's JSON: the status says enough
    }
    return {
      refusal: response.status === 401 ? 'unauthorized' : 'forbidden',
      reason: `HTTP ${response.status}${said === undefined ? '' : `: ${said}`}`,
      said,
    };
  } catch {
    return null;
  }
}

export function openEventSource(url: URL, handlers: TransportHandlers): Transport {
  const source = new EventSource(url);
  const probe = new AbortController();
  let closed = false;
  let opened = false;
  const close = () => {
    closed = true;
    probe.abort();
    source.onopen = source.onmessage = source.onerror = null;
    source.close();
  };
  source.onopen = () => {
    opened = true;
    handlers.onOpen();
  };
  source.onmessage = (event: MessageEvent) => handlers.onFrame(String(event.data));
  source.onerror = () => {
    if (closed) return;
    const ended = source.readyState !== EventSource.CLOSED || opened;
    source.onopen = source.onmessage = source.onerror = null;
    source.close();
    if (ended) {
      closed = true;
      handlers.onClose({ reason: 'event stream ended', retry: true });
      return;
    }
    void refusalOf(url, probe.signal).then((refused) => {
      if (closed) return;
      closed = true;
      if (refused === null) handlers.onClose({ reason: 'event stream failed', retry: true });
      else
        handlers.onClose({
          reason: `event stream refused (${refused.reason})`,
          retry: false,
          refusal: refused.refusal,
          said: refused.said,
        });
    });
  };
  return { close };
}
