/**
 * Listener: listening (and a clear error when it cannot), the hand-off of requests, upgrades and
 * malformed requests, and the shutdown: streams ended first, idle connections closed at once, and a
 * connection that stays open destroyed after the grace. Real sockets.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { ClientLimits } from '../../../../src/relay/access/client-limits.js';
import { sendText } from '../../../../src/relay/http/http.js';
import { InternalErrors } from '../../../../src/relay/http/internal-errors.js';
import {
  Listener,
  listenForMetrics,
  type ListenerHandlers,
  type ListenerOptions,
} from '../../../../src/relay/http/listener.js';
import { selfSignedCertificate } from '../../../../scripts/certificate.js';
import { RelayLog } from '../../../../src/relay/log.js';
import { Metrics } from '../../../../src/relay/metrics.js';
import { sendRaw } from '../../../../scripts/send-raw.js';
import { eventually, get } from '../../../support/relay-clients.js';

function listener(port = 0, more: Partial<ListenerOptions> = {}) {
  const metrics = new Metrics();
  const logged: string[] = [];
  const log = new RelayLog((line) => logged.push(line));
  const made = new Listener(
    { port, host: '127.0.0.1', headersTimeoutMs: 10_000, maxConnections: 100, maxConnectionsPerClient: 0, ...more },
    new ClientLimits({ connections: 0, subscribesPerSecond: 0, subscribeBurst: 0 }),
    log,
    metrics,
    new InternalErrors(metrics, log),
  );
  return { listener: made, metrics, logged };
}

const handlers = (overrides: Partial<ListenerHandlers> = {}): ListenerHandlers => ({
  request: (_req, res) => sendText(res, 200, 'served\n'),
  upgrade: (_req, socket) => socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n'),
  clientError: (_error, socket) => socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'),
  ...overrides,
});

describe('Listener', () => {
  it('serves requests on the port it got, and hands malformed requests to clientError', async () => {
    const { listener: l } = listener();
    const { address } = await l.listen(handlers());
    assert.equal((await get(`http://127.0.0.1:${address.port}/`)).body, 'served\n');
    assert.match(await sendRaw(address.port, 'NOT HTTP AT ALL\r\n\r\n'), /^HTTP\/1\.1 400 /);
    await l.close(() => undefined);
  });

  it("a clientError handler's throw is reported and that socket destroyed; the server serves on", async () => {
    const { listener: l, metrics, logged } = listener();
    const { address } = await l.listen(
      handlers({
        clientError: () => {
          throw new TypeError('a bug in the malformed-request path');
        },
      }),
    );
    assert.equal(await sendRaw(address.port, 'NOT HTTP AT ALL\r\n\r\n'), '');
    assert.equal(metrics.internalErrors, 1);
    assert.match(logged.join('\n'), /malformed request failed: TypeError: a bug/);
    assert.equal((await get(`http://127.0.0.1:${address.port}/`)).status, 200);
    await l.close(() => undefined);
  });

  it('says which address it could not listen on', async () => {
    const first = listener();
    const { port } = (await first.listener.listen(handlers())).address;
    const second = listener(port);
    await assert.rejects(second.listener.listen(handlers()), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: `));
    await first.listener.close(() => undefined);
  });

  it('on close: ends the streams first, closes idle connections at once, destroys the rest after the grace', async () => {
    const { listener: l } = listener();
    const {
      address: { port },
    } = await l.listen(
      // `/hang` is never answered: a connection that stays busy through the shutdown.
      handlers({ request: (req, res) => (req.url === '/hang' ? undefined : sendText(res, 200, 'served\n')) }),
    );
    const connect = async () => {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.setEncoding('latin1');
      return socket;
    };
    const closed = (socket: net.Socket) =>
      new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    // Kept alive after an answered request: idle.
    const idle = await connect();
    idle.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => idle.once('data', resolve));
    const busy = await connect();
    busy.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const idleClosed = closed(idle);
    const busyClosed = closed(busy);
    let ended = 0;
    const start = Date.now();
    await l.close(() => ended++);
    assert.equal(ended, 1);
    assert.ok((await idleClosed) - start < 1000, 'the idle connection closes at once');
    assert.ok((await busyClosed) - start >= 1500, 'the busy one is given the grace');
  });

  it('with TLS and plainPort: the same handlers on a plain port too, under one connection cap; close ends both', async () => {
    const { listener: l } = listener(0, { tls: selfSignedCertificate(), plainPort: 0, maxConnections: 2 });
    const { address, plain } = await l.listen(handlers());
    assert.ok(plain !== null && plain.port !== address.port);
    assert.equal((await get(`https://127.0.0.1:${address.port}/`)).body, 'served\n');
    assert.equal((await get(`http://127.0.0.1:${plain.port}/`)).body, 'served\n');
    // Two sockets held open (one on each port) fill the cap both ports share.
    const held = [net.connect(address.port, '127.0.0.1'), net.connect(plain.port, '127.0.0.1')];
    await Promise.all(held.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
    await eventually(() => l.guard.open === 2, 'both sockets counted');
    assert.match(await sendRaw(plain.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 503 /);
    for (const socket of held) socket.destroy();
    await l.close(() => undefined);
    assert.equal(l.plainServer?.listening, false);
  });

  it('serves /metrics on a port of its own on 127.0.0.1', async () => {
    const { server, port } = await listenForMetrics(0, (_req, res) => sendText(res, 200, 'metrics\n'));
    assert.equal((await get(`http://127.0.0.1:${port}/metrics`)).body, 'metrics\n');
    server.close();
  });
});
