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

/**
 * True when the parser stopped exactly at chart_studio's tail. The client writes its last chunk and
 * the tail back to back, so they usually arrive in one read: the tail is looked for where the parser
 * stopped (`bytesParsed`), not at the start of the packet. A tail cut short by TCP counts too.
 */
export function isChartStudioTail(error: HttpParseError): boolean {
  if (error.code !== 'HPE_INVALID_CHUNK_SIZE' || error.rawPacket === undefined) return false;
  const rest = error.rawPacket.subarray(error.bytesParsed ?? 0).toString('latin1');
  return rest !== '' && CHART_STUDIO_TAIL.startsWith(rest);
}
