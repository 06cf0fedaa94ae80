/** A viewer's sink for relay tests that records what a subscription does to it (no socket). */
import type { FrameSink } from '../../src/relay/viewers/frame-sink.js';
import { decodeEvents } from '../../src/shared/protocol.js';

/** A sink that records what the subscription does to it. */
export function recordingSink(buffered = 0) {
  const frames: string[] = [];
  const calls: string[] = [];
  /** The shared bytes each `sendShared` got (to see that viewers share one buffer). */
  const shared: Buffer[] = [];
  /** The positions after each frame, as an SSE sink writes them in `id:`. */
  const ids: string[] = [];
  let flushed: () => void = () => undefined;
  const sink: FrameSink = {
    send(frame, positions) {
      frames.push(frame);
      ids.push(positions());
      flushed();
    },
    sendShared(bytes, positions) {
      ids.push(positions());
      shared.push(bytes);
      frames.push(bytes.toString());
      flushed();
    },
    bufferedBytes: () => buffered,
    close: (code, reason) => calls.push(`close ${code} ${reason}`),
    keepAlive: () => calls.push('keepAlive'),
  };
  const nextFrame = () => new Promise<void>((resolve) => (flushed = resolve));
  const events = () => frames.flatMap((frame) => decodeEvents(frame).events);
  return { sink, frames, calls, shared, ids, nextFrame, events };
}
