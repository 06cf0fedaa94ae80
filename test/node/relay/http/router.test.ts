/**
 * Router: one read of each request's target, handed to the route of its path; 400 for a target
 * that is not a path, 404 for a path with no route (`__proto__` too), preflights, upgrades by path,
 * and a route's throw answered 500 on its request while the server serves on. A real server and
 * real clients; the routes are stand-ins that say what they were given.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { InternalErrors } from '../../../../src/relay/http/internal-errors.js';
import { sendText } from '../../../../src/relay/http/http.js';
import { Router } from '../../../../src/relay/http/router.js';
import type { RouteHandler } from '../../../../src/relay/http/routes/route.js';
import { RelayLog } from '../../../../src/relay/log.js';
import { Metrics } from '../../../../src/relay/metrics.js';
import { sendRaw } from '../../../../scripts/send-raw.js';
import { get } from '../../../support/relay-clients.js';

const echo: RouteHandler = (req, res, target) =>
  sendText(res, 200, `${req.method} ${target.pathname} ${target.searchParams.get('q') ?? ''}`);

describe('Router', () => {
  let server: Server;
  let base: string;
  let port: number;
  const metrics = new Metrics();
  const logged: string[] = [];

  before(async () => {
    const errors = new InternalErrors(metrics, new RelayLog((line) => logged.push(line)));
    const router = new Router(
      {
        routes: {
          '/echo': echo,
          '/throws': () => {
            throw new TypeError('a bug in a route');
          },
        },
        preflight: (_req, res) => sendText(res, 204, ''),
        upgrades: {
          '/socket': (_req, socket, _head, target) =>
            socket.end(`HTTP/1.1 418 Upgrade Seen\r\nx-path: ${target.pathname}\r\ncontent-length: 0\r\n\r\n`),
        },
        notFound: 'not found: try /echo',
      },
      errors,
    );
    server = createServer(router.request);
    server.on('upgrade', router.upgrade);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('hands a route the method and the target it read (path and query)', async () => {
    const answer = await get(`${base}/echo?q=a%20b`, {}, 'PUT');
    assert.deepEqual([answer.status, answer.body], [200, 'PUT /echo a b']);
  });

  it('answers 404 with the table text for a path with no route, including names of Object.prototype', async () => {
    for (const path of ['/nope', '/__proto__', '/constructor', '/toString', '/hasOwnProperty']) {
      const answer = await get(`${base}${path}`);
      assert.deepEqual([answer.status, answer.body], [404, 'not found: try /echo\n'], path);
    }
  });

  it('answers 400 for a target that is not a path, and serves on', async () => {
    const answer = await sendRaw(port, 'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n', { ms: 3000 });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.equal((await get(`${base}/echo`)).status, 200);
  });

  it('sends OPTIONS on any path to the preflight', async () => {
    assert.equal((await get(`${base}/anything`, {}, 'OPTIONS')).status, 204);
  });

  it("answers a route's throw with 500 on its request, counts and logs it, and serves on", async () => {
    const answer = await get(`${base}/throws`);
    assert.equal(answer.status, 500);
    assert.equal(metrics.internalErrors, 1);
    assert.match(logged.join('\n'), /request failed: TypeError: a bug in a route/);
    assert.equal((await get(`${base}/echo`)).status, 200);
  });

  it('routes upgrades by path: 404 for a path without one, 400 for a target that is not a path', async () => {
    const upgrade = (target: string) =>
      sendRaw(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`, {
        ms: 3000,
      });
    assert.match(await upgrade('/socket?x=1'), /^HTTP\/1\.1 418 [^]*x-path: \/socket/);
    assert.match(await upgrade('/other'), /^HTTP\/1\.1 404 /);
    assert.match(await upgrade('/__proto__'), /^HTTP\/1\.1 404 /);
    assert.match(await upgrade('//['), /^HTTP\/1\.1 400 /);
  });
});
