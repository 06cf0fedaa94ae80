/**
 * Frames merged into one: a viewer of many tokens gets one frame a turn, not one per token (fifty
 * charts fed a line at a time made a browser take ten thousand messages a second). A frame is one
 * event (`{...}`) or several (`[{...},...]`, see `encodeFrame`): their events go in one array, the
 * shared frames' bytes copied as they are, never encoded again.
 */
const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');
const ARRAY = 0x5b; // '['

/** One frame of every event of `frames` (text: this viewer's own events; bytes: a shared frame), in order. */
export function mergeFrames(frames: ReadonlyArray<string | Buffer>): Buffer {
  const pieces: Buffer[] = [OPEN];
  for (const [i, frame] of frames.entries()) {
    const bytes = typeof frame === 'string' ? Buffer.from(frame) : frame;
    if (i > 0) pieces.push(COMMA);
    pieces.push(bytes[0] === ARRAY ? bytes.subarray(1, bytes.length - 1) : bytes);
  }
  pieces.push(CLOSE);
  return Buffer.concat(pieces);
}
