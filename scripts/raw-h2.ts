/**
 * A raw HTTP/2 client for hostile tests: frames written by hand over TLS (ALPN h2), so a test can do
 * what no well-behaved client library does: open streams and reset them at once, send SETTINGS
 * without reading the acknowledgements, open a session and never send a request.
 */
import tls from 'node:tls';

export const FrameType = { data: 0, headers: 1, rstStream: 3, settings: 4, ping: 6, goaway: 7 } as const;

export function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK integer with an n-bit prefix (RFC 7541 5.1). */
function hpackInt(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const bytes = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

function hpackString(text: string): number[] {
  const bytes = [...Buffer.from(text, 'latin1')];
  return [...hpackInt(bytes.length, 7, 0), ...bytes];
}

/** A header block: GET/POST https with `:path`, then other headers, each a literal without indexing. */
export function headerBlock(path: string, headers: Record<string, string> = {}, method = 'GET'): Buffer {
  const bytes: number[] = [method === 'POST' ? 0x83 : 0x82, 0x87]; // :method, :scheme https (static table)
  bytes.push(...hpackInt(4, 4, 0x00), ...hpackString(path)); // :path, name from the static table
  bytes.push(...hpackInt(1, 4, 0x00), ...hpackString('localhost')); // :authority
  for (const [name, value] of Object.entries(headers)) bytes.push(0x00, ...hpackString(name), ...hpackString(value));
  return Buffer.from(bytes);
}

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface RawSession {
  socket: tls.TLSSocket;
  /** Bytes read from the relay so far. */
  received: () => number;
  /** Resolves when the connection closes (the relay ended it, or it failed). */
  closed: Promise<void>;
  /** Frame types read so far (parsed loosely from the stream of frames). */
  frames: number[];
}

/** Connects with ALPN h2, sends the preface and an empty SETTINGS. `read: false` never reads. */
export function rawSession(port: number, { read = true } = {}): Promise<RawSession> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', ALPNProtocols: ['h2'], rejectUnauthorized: false });
    let received = 0;
    let pending = Buffer.alloc(0);
    const frames: number[] = [];
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      received += data.length;
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 9) {
        const length = pending.readUIntBE(0, 3);
        if (pending.length < 9 + length) break;
        frames.push(pending.readUInt8(3));
        pending = pending.subarray(9 + length);
      }
    });
    socket.once('secureConnect', () => {
      if (socket.alpnProtocol !== 'h2') reject(new Error(`ALPN gave ${socket.alpnProtocol}`));
      if (!read) socket.pause();
      socket.write(Buffer.concat([PREFACE, frame(FrameType.settings, 0, 0)]));
      resolve({ socket, received: () => received, closed, frames });
    });
    socket.once('error', reject);
  });
}
