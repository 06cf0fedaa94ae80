/**
 * readBody: a body within its bound, and within what all bodies together may hold (BodyAllowance):
 * past it, 503 with Retry-After; the bytes are given back once the request is answered, or gone.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { BodyAllowance, readBody } from '../../../../src/relay/http/body.js';
import { sendJson } from '../../../../src/relay/http/http.js';
import { eventually } from '../../../support/relay-clients.js';

function send(port: number, body: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
    const request = http.request(
      { port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': body.length } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      },
    );
    request.on('error', reject);
    request.write(body);
    request.end();
  });
}

describe('readBody and the allowance of all bodies', () => {
  it('refuses a body past what all bodies may hold at once (503, Retry-After), and takes it again once the others are answered', async () => {
    const allowance = new BodyAllowance(1000);
    const held: http.ServerResponse[] = [];
    const server = http.createServer(async (req, res) => {
      const body = await readBody(req, res, { maxBytes: 10_000, idleMs: 5000, allowance });
      if (body === null) return;
      if (body.startsWith('hold')) held.push(res);
      else sendJson(res, 200, { length: body.length });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const first = send(port, `hold${'x'.repeat(796)}`);
      await eventually(() => held.length === 1, 'the first body held');
      assert.equal(allowance.held, 800);
      const refused = await send(port, 'y'.repeat(300));
      assert.equal(refused.status, 503);
      assert.equal(refused.headers['retry-after'], '1');
      assert.match(refused.text, /as many request bodies as it may at once/);
      assert.equal(allowance.held, 800, 'the refused body gave back what it took');
      sendJson(held[0] as http.ServerResponse, 200, {});
      await first;
      await eventually(() => allowance.held === 0, 'the answered body given back');
      const taken = await send(port, 'y'.repeat(300));
      assert.equal(taken.status, 200);
      // A client that goes away in the middle of its body gives its bytes back too.
      const socket = await new Promise<net.Socket>((resolve) => {
        const s = new net.Socket();
        s.connect(port, '127.0.0.1', () => resolve(s));
      });
      socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n${'z'.repeat(500)}`);
      await eventually(() => allowance.held === 500, 'the half body taken');
      socket.destroy();
      await eventually(() => allowance.held === 0, 'given back when the client left');
    } finally {
      server.close();
    }
  });
});
