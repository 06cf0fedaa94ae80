/**
 * Raw bytes to a server on a connection of their own (TCP, or TLS with ALPN http/1.1): for tests and
 * scripts that send what no HTTP client would (malformed request lines, hostile targets).
 */
import net from 'node:net';
import tls from 'node:tls';

export interface SendRawOptions {
  /** HTTP/1.1 over TLS (a self-signed certificate is accepted). */
  tls?: boolean;
  /** Give up after this long, with what was read. Default 2000 ms. */
  ms?: number;
  /** Half-close after writing, as a client with nothing more to say. Default false. */
  end?: boolean;
  /** Stop at the first whole answer (its head, and its body by Content-Length) rather than at the close. Default true. */
  firstAnswer?: boolean;
}

/** Sends `bytes` and resolves what came back (latin1), once the server answered or closed, or `ms` passed. */
export function sendRaw(port: number, bytes: string | Uint8Array, options: SendRawOptions = {}): Promise<string> {
  const { ms = 2000, end = false, firstAnswer = true } = options;
  return new Promise((resolve) => {
    const socket = options.tls
      ? tls.connect({ port, host: '127.0.0.1', ALPNProtocols: ['http/1.1'], rejectUnauthorized: false })
      : net.connect(port, '127.0.0.1');
    let read = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(read);
    };
    const timer = setTimeout(done, ms);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      read += d;
      if (firstAnswer && answered(read)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.on(options.tls ? 'secureConnect' : 'connect', () => {
      const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
      if (end) socket.end(data);
      else socket.write(data);
    });
  });
}

/** True once `text` holds a whole HTTP answer: its head, and as much body as its Content-Length says. */
function answered(text: string): boolean {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd === -1) return false;
  const length = /content-length: (\d+)/i.exec(text.slice(0, headEnd))?.[1];
  return length === undefined || text.length - headEnd - 4 >= Number(length);
}
