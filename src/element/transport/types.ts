/** What a transport reports to the connection that opened it. */
export interface TransportHandlers {
  onOpen(): void;
  /** One WebSocket text frame or one SSE `data:` payload, undecoded. */
  onFrame(text: string): void;
  /**
   * The transport is gone. `retry: false` when the relay said the request itself is wrong;
   * `refusal` when it refused the subscription (a read token, or the page's origin), and `said`
   * the relay's own words for why (a close reason, a refusal's JSON `reason`).
   */
  onClose(info: { reason: string; retry: boolean; refusal?: Refusal | undefined; said?: string | undefined }): void;
}

/**
 * Why a relay refused a subscription: no valid read token, or a token or a page (its origin) it
 * does not serve.
 */
export type Refusal = 'unauthorized' | 'forbidden';

/** An open (or opening) subscription. `close()` is final and reports nothing afterwards. */
export interface Transport {
  close(): void;
  /** Sends a control message up the connection (WebSocket only); false when it cannot now. */
  send?(text: string): boolean;
}

export type TransportKind = 'websocket' | 'sse';
