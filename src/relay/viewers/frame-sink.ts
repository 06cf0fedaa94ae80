/** Where a subscription's frames go: a WebSocket or an SSE response (http/sinks/ makes them). */
export interface FrameSink {
  /**
   * Sends one frame. `positions` gives the subscription's positions after it, as SSE's `id:` needs;
   * a WebSocket sink never calls it, so the fan-out hot path does not format them.
   */
  send(frame: string, positions: () => string): void;
  /** Sends a frame as UTF-8 bytes built once for many viewers (or merged from such): sent as they are. */
  sendShared(bytes: Buffer, positions: () => string): void;
  /** Bytes written but not yet flushed to the network. */
  bufferedBytes(): number;
  /**
   * Ends the connection with a reason (a close code on WebSocket). `abort`: the viewer is not
   * reading: its connection is reset at once and what waits for it dropped, in the relay and in the
   * kernel (the reason could not reach it behind what it has not read).
   */
  close(code: number, reason: string, abort?: boolean): void;
  /** Proves the connection alive at each heartbeat: a WebSocket ping, an SSE comment line. */
  keepAlive(): void;
}
