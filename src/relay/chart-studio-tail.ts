/**
 * Plotly's Python client (chart_studio's `chunked_requests.Stream`) ends its body with
 * `\r\n0\r\n\r\n`: one CRLF more than HTTP allows. Node's parser delivers every data byte before it,
 * then fails with HPE_INVALID_CHUNK_SIZE (a `clientError`, no `end` on the request). That exact tail
 * is a clean end of the stream, not a malformed request.
 */

/** The bytes chart_studio's `close()` sends, in one write. */
export const CHART_STUDIO_TAIL = '\r\n0\r\n\r\n';

/** What Node attaches to a parse error given to `clientError`. */
export interface HttpParseError extends Error {
  code?: string;
  /** The bytes of the read the parser failed in. */
  rawPacket?: Buffer;
  /** How far into `rawPacket` the parser got before it failed. */
  bytesParsed?: number;
}

/** True when the packet the parser failed on is chart_studio's tail (or its start). */
export function isChartStudioTail(error: HttpParseError): boolean {
  if (error.code !== 'HPE_INVALID_CHUNK_SIZE' || error.rawPacket === undefined) return false;
  const raw = error.rawPacket.toString('latin1');
  return raw.startsWith('\r\n') && CHART_STUDIO_TAIL.startsWith(raw);
}
