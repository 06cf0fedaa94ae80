/**
 * The bytes Plotly's Arduino streaming libraries (plotly/arduino-api: plotly_streaming_ethernet,
 * _wifi, _gsm, _cc3000) write, in the writes they make, for tests of the relay that take them as
 * they are. From their source (`plotly::openStream`, `jsonStart`, `jsonMiddle`, `jsonEnd`, `plot`,
 * `closeStream`):
 *
 * - `print_(F("..."))`: Arduino's Print writes a flash string a byte at a time (`write(c)` per
 *   character), and an Ethernet or WiFi client sends each write as it comes.
 * - `print_(char*)` (the token, the time zone, the JSON pieces without F()): one write.
 * - `client.print(n, HEX)`: the chunk size, upper-case hex, one write; it counts 44 bytes around
 *   the values, which is exact for Plotly's 10-character tokens (a longer token makes a chunk size
 *   the body does not match: the libraries' limit, not the relay's).
 * - `print_(unsigned long)` / `print_(int)`: the digits in one write, a minus sign in one before.
 * - `print_(float)`: Arduino's printFloat: a minus sign, the integer part, `.`, then each of two
 *   decimals, each its own write.
 */

/** One write of the library: its bytes. */
export type Write = string;

/** A flash string (`F("...")`), written a byte at a time. */
function flash(text: string): Write[] {
  return [...text];
}

/** `openStream()`: the request head, with `plotly-convertTimestamp` when the sketch leaves it on (the default). */
export function openStream(timezone: string | null = 'America/Montreal'): Write[] {
  const writes = [
    ...flash('POST / HTTP/1.1\r\n'),
    ...flash('Host: arduino.plot.ly\r\n'),
    ...flash('User-Agent: Arduino\r\n'),
    ...flash('Transfer-Encoding: chunked\r\n'),
    ...flash('Connection: close\r\n'),
  ];
  if (timezone !== null) writes.push(...flash('plotly-convertTimestamp: "'), timezone, ...flash('"\r\n'));
  writes.push(...flash('\r\n'));
  return writes;
}

function printInt(n: number): Write[] {
  return n < 0 ? ['-', String(-n)] : [String(n)];
}

/** Arduino's `Print::printFloat(value, 2)`. */
function printFloat(value: number): Write[] {
  const writes: Write[] = [];
  let n = value;
  if (n < 0) {
    writes.push('-');
    n = -n;
  }
  n += 0.005; // rounding, as printFloat does for two digits
  const whole = Math.floor(n);
  writes.push(String(whole), '.');
  let rest = n - whole;
  for (let i = 0; i < 2; i++) {
    rest *= 10;
    const digit = Math.floor(rest);
    writes.push(String(digit));
    rest -= digit;
  }
  return writes;
}

/** `dtostrf(y, 2, 3, s)`'s length, as `plot(x, float y, token)` counts it. */
function dtostrfLength(y: number): number {
  return y.toFixed(3).padStart(2, ' ').length;
}

/** One chunk with its line, as `jsonStart`, `jsonMiddle` and `jsonEnd` write it around x and y. */
function chunk(x: number, yLength: number, y: Write[], token: string): Write[] {
  const size = String(x).length + yLength + 44;
  return [
    size.toString(16).toUpperCase(),
    '\r\n{"x": ',
    String(x),
    ', "y": ',
    ...y,
    ', "streamtoken": "',
    token,
    '"}\n\r\n',
  ];
}

/** `plot(unsigned long x, int y, char *token)`. */
export function plotInt(x: number, y: number, token: string): Write[] {
  return chunk(x, String(y).length, printInt(y), token);
}

/** `plot(unsigned long x, float y, char *token)`: y with two decimals, its length counted by `dtostrf`. */
export function plotFloat(x: number, y: number, token: string): Write[] {
  return chunk(x, dtostrfLength(y) - 1, printFloat(y), token);
}

/** `closeStream()`: the last chunk. */
export function closeStream(): Write[] {
  return flash('0\r\n\r\n');
}

export interface InitOptions {
  username: string;
  /** Plotly's API keys had 10 characters: the library counts its Content-Length on that. */
  apiKey: string;
  tokens: string[];
  filename: string;
  /** The library's defaults: 30, overwrite, true. */
  maxpoints?: number;
  fileopt?: string;
  worldReadable?: boolean;
  /** `world_readable` (plotly_streaming_ethernet, _wifi, _gsm) or `worldReadable` (the CC3000 sample's). */
  worldReadableField?: 'world_readable' | 'worldReadable';
}

/**
 * `plotly::init()`: the libraries' REST call, `POST /clientresp` with its Content-Length counted by
 * the library's own formula (126 + the lengths it knows, a 10-character key assumed), the form
 * written raw, and a CRLF after it that the Content-Length does not count. The board then reads
 * until the server closes, looking for "All Streams Go!".
 */
export function init(options: InitOptions): Write[] {
  const { username, apiKey, tokens, filename } = options;
  const maxpoints = options.maxpoints ?? 30;
  const fileopt = options.fileopt ?? 'overwrite';
  const readable = options.worldReadable ?? true;
  const contentLength =
    126 +
    username.length +
    fileopt.length +
    tokens.length * (87 + String(maxpoints).length) +
    (tokens.length - 1) * 2 +
    filename.length +
    (readable ? 4 : 5);
  const writes: Write[] = [
    ...flash('POST /clientresp HTTP/1.1\r\n'),
    ...flash('Host: 107.21.214.199\r\n'),
    ...flash('User-Agent: Arduino/0.5.1\r\n'),
    ...flash('Content-Length: '),
    ...printInt(contentLength),
    ...flash('\r\n\r\n'),
    ...flash('version=2.3&origin=plot&platform=arduino&un='),
    username,
    ...flash('&key='),
    apiKey,
    ...flash('&args=['),
  ];
  tokens.forEach((token, i) => {
    writes.push(...flash('{"y": [], "x": [], "type": "scatter", "stream": {"token": "'), token);
    writes.push(...flash('", "maxpoints": '), ...printInt(maxpoints), ...flash('}}'));
    if (tokens.length > 1 && i !== tokens.length - 1) writes.push(...flash(', '));
  });
  writes.push(...flash('&kwargs={"fileopt": "'.replace('&', ']&')), fileopt, ...flash('", "filename": "'), filename);
  writes.push(...flash(`", "${options.worldReadableField ?? 'world_readable'}": `), readable ? 'true' : 'false');
  writes.push(...flash('}'), ...flash('\r\n'));
  return writes;
}

/** The Content-Length `init()` sends, and the body's real length: equal only for 10-character keys and tokens. */
export function initLengths(writes: Write[]): { declared: number; body: number } {
  const text = writes.join('');
  const declared = Number(/Content-Length: (\d+)/.exec(text)?.[1]);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4).length - 2;
  return { declared, body };
}
