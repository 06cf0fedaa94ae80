import assert from 'node:assert/strict';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'node:test';
import { createRelay } from '../../../../src/relay/index.js';
import { defaultMaxConnections, openFileLimit } from '../../../../src/relay/access/connection-guard.js';
import { get, openIngest, wsRefusal, wsSubscribe } from '../../../support/relay-clients.js';

/** An address of this machine that is not loopback: connections to it are limited like a client's. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address;

/** A raw socket; resolves with everything it read once the relay closes it. */
function silentSocket(host: string, port: number): { socket: net.Socket; closed: Promise<string> } {
  const socket = net.connect(port, host);
  let read = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (read += d));
  socket.on('error', () => undefined);
  return { socket, closed: new Promise((resolve) => socket.on('close', () => resolve(read))) };
}

describe('connection guard', () => {
  it('derives the default total cap from the open-file limit', () => {
    const limit = openFileLimit();
    if (limit !== null) assert.equal(defaultMaxConnections(), Math.max(64, Math.min(100_000, limit - 128)));
    else assert.equal(defaultMaxConnections(), 10_000);
  });

  it('closes a socket that sends no request head in time with 408, while an ingest streams on past it', async () => {
    const logs: string[] = [];
    const relay = await createRelay({ port: 0, headersTimeoutMs: 300, log: (l) => logs.push(l) });
    try {
      const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'slow-writer' });
      const viewer = await wsSubscribe(relay.url, 'token=slow-writer');
      const silent = silentSocket('127.0.0.1', relay.port);
      const partial = silentSocket('127.0.0.1', relay.port);
      partial.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // and never the blank line
      assert.match(await silent.closed, /^HTTP\/1\.1 408/);
      assert.match(await partial.closed, /^HTTP\/1\.1 408/);
      // The ingest and the viewer outlive the deadline: it is for request heads only.
      producer.write('{"y": 1}\n');
      await viewer.untilMessages(1);
      producer.end();
      assert.equal((await producer.result).status, 200);
      assert.equal(viewer.socket.readyState, viewer.socket.OPEN);
      viewer.socket.close();
      const metrics = JSON.parse((await get(`${relay.url}/metrics?format=json`)).body);
      assert.equal(metrics.refused['headers-timeout'], 2);
      assert.ok(logs.some((l) => /no request within 0.3 s/.test(l)));
    } finally {
      await relay.close();
    }
  });

  it('refuses connections past the total with 503 and Retry-After; /healthz works again once they go', async () => {
    const relay = await createRelay({ port: 0, maxConnections: 5, log: () => undefined });
    try {
      const held = Array.from({ length: 5 }, () => silentSocket('127.0.0.1', relay.port));
      await Promise.all(held.map(({ socket }) => new Promise((r) => socket.once('connect', r))));
      await new Promise((resolve) => setTimeout(resolve, 50)); // the relay has counted them
      const refused = await get(`${relay.url}/healthz`);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers['retry-after'], '5');
      assert.match(refused.body, /holds 5 connections, its limit/);
      for (const { socket } of held) socket.destroy();
      await Promise.all(held.map(({ closed }) => closed));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await get(`${relay.url}/healthz`)).status, 200);
    } finally {
      await relay.close();
    }
  });

  it(
    'caps connections per client address (not loopback) with 429, and counts the refusals',
    { skip: external === undefined ? 'this machine has no non-loopback IPv4 address' : false },
    async () => {
      const host = external as string;
      const logs: string[] = [];
      const relay = await createRelay({ port: 0, host, maxConnectionsPerClient: 3, log: (l) => logs.push(l) });
      try {
        assert.ok(
          logs.some((l) => /warning: listening on .* without write keys/.test(l)),
          'a relay on a non-loopback address without keys warns',
        );
        const held = Array.from({ length: 3 }, () => silentSocket(host, relay.port));
        await Promise.all(held.map(({ socket }) => new Promise((r) => socket.once('connect', r))));
        await new Promise((resolve) => setTimeout(resolve, 50));
        const refused = await get(`${relay.url}/healthz`);
        assert.equal(refused.status, 429);
        assert.equal(refused.headers['retry-after'], '5');
        held[0]?.socket.destroy();
        await held[0]?.closed;
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal((await get(`${relay.url}/healthz`)).status, 200);
        const metrics = JSON.parse((await get(`${relay.url}/metrics?format=json`)).body);
        assert.equal(metrics.refused['client-connections'], 1);
        for (const { socket } of held) socket.destroy();
      } finally {
        await relay.close();
      }
    },
  );

  it(
    'limits subscribe requests a second per client address: 429 with Retry-After on SSE and on a WebSocket upgrade',
    { skip: external === undefined ? 'this machine has no non-loopback IPv4 address' : false },
    async () => {
      const host = external as string;
      const relay = await createRelay({ port: 0, host, subscribeRate: 1, log: () => undefined });
      try {
        // A burst of three, then one a second.
        const viewers = await Promise.all([1, 2, 3].map(() => wsSubscribe(relay.url, 'token=r')));
        const sse = await get(`${relay.url}/subscribe?token=r`, { accept: 'text/event-stream' });
        assert.equal(sse.status, 429);
        assert.equal(sse.headers['retry-after'], '1');
        const ws = await wsRefusal(relay.url, 'token=r');
        assert.equal(ws.status, 429);
        assert.equal(ws.headers['retry-after'], '1');
        for (const viewer of viewers) viewer.socket.close();
        const metrics = JSON.parse((await get(`${relay.url}/metrics?format=json`)).body);
        assert.equal(metrics.refused['subscribe-rate'], 2);
      } finally {
        await relay.close();
      }
    },
  );
});
