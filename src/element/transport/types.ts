/** What a transport reports to the connection that opened it. */
export interface TransportHandlers {
  onOpen(): void;
  /** One WebSocket text frame or one SSE `data:` payload, undecoded. */
  onFrame(text: string): void;
  /** The transport is gone. `retry: false` when the relay said the request itself is wrong. */
  onClose(info: { reason: string; retry: boolean }): void;
}

/** An open (or opening) subscription. `close()` is final and reports nothing afterwards. */
export interface Transport {
  close(): void;
}

export type TransportKind = 'websocket' | 'sse';
