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
