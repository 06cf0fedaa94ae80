/** The codes of `plotly-stream-error`, in one list (the README's error table is checked against it). */

export const STREAM_ERROR_CODES = [
  /** A message (a relay's or `write()`'s) is not valid JSON: rejected alone. */
  'invalid-json',
  /** A message is JSON but not an object: rejected alone. */
  'not-an-object',
  /** A message nests objects or arrays more than 32 levels deep: rejected alone. */
  'too-deep',
  /** A message's `layout` is not an object: ignored, the rest of the message applies. */
  'bad-layout',
  /** A key that takes no per-point data got a scalar: ignored (reported once per token and key). */
  'unknown-key',
  /** A message for a token no trace streams: not drawn (reported once per token). */
  'unknown-token',
  /** Part of the figure is unusable (a bad `stream`, a non-object trace); the rest is drawn. */
  'bad-figure',
  /** A Plotly call failed; the next frame redraws from the element's own windows. */
  'render-failed',
  /** The relay cannot be reached, or refused the subscription; the element retries unless refused. */
  'connection',
  /** Private streams: the relay refused the read token (missing, malformed, expired); see `accessToken`. */
  'unauthorized',
  /** The relay does not serve this page (its origin), or the read token does not cover a token of the figure; see `accessToken`. */
  'forbidden',
  /** The relay sent something the element cannot read: skipped, the stream goes on. */
  'protocol',
  /** The relay reported a problem with part of the subscription (`{code, message}` of its error event). */
  'relay-error',
] as const;

export type StreamErrorCode = (typeof STREAM_ERROR_CODES)[number];

/** The detail of `plotly-stream-error`. */
export interface StreamError {
  code: StreamErrorCode;
  message: string;
  /** The token concerned, when there is one. */
  token?: string;
}
