/**
 * Request targets and headers no route expects, on every way into the relay (HTTP/1.1, a WebSocket
 * upgrade, HTTP/2): each is answered (400 for a target that is not a path) and the relay serves on.
 * A target like `//[` once threw from `new URL()` and ended the process.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createRelay, type Relay } from '../../../../src/relay/index.js';
import { parseTarget } from '../../../../src/relay/http/http.js';
import { selfSignedCertificate } from '../../../../scripts/certificate.js';
import { get, openIngest, wsSubscribe } from '../../../support/relay-clients.js';
import { startRelayProcess } from '../../../../scripts/relay-process.js';
import { sendRaw } from '../../../../scripts/send-raw.js';

/** Targets that are not a path once joined to a base URL: `new URL(target, base)` throws on each. */
const HOSTILE_TARGETS = ['//[', '//a:b@[::', '//[::1', '//%', '//a:99999', '//:@[', '//[/subscribe?token=a'];

/** Sends bytes on a new connection; what came back (its first answer). */
const exchange = (port: number, bytes: string, ms = 3000) => sendRaw(port, bytes, { ms });

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

const upgradeRequest = (target: string, headers = '') =>
  `GET ${target} HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${headers}\r\n`;

/** A request target as a hostile client writes one: paths, `//` authorities, brackets, escapes. */
const targets = fc.oneof(
  fc.constantFrom(...HOSTILE_TARGETS),
  fc
    .tuple(
      fc.constantFrom('/', '//', '///', '/subscribe', '//subscribe', '/?', '//[', 'http://', 'http://[', '*', ''),
      fc.string({ unit: fc.constantFrom(...'[]:@%/?#&=.\\a-zA-Z0~ '.split('')), maxLength: 24 }),
    )
    .map(([a, b]) => a + b),
);

/** Header lines of names and values a route might read (origin, accept, auth, resume ids). */
const headerLines = fc.array(
  fc.tuple(
    fc.constantFrom('origin', 'accept', 'authorization', 'last-event-id', 'plotly-streamtoken', 'x-any'),
    fc.string({ unit: fc.constantFrom(...'[]:@%/?*a-z0 "\u00ff'.split('')), maxLength: 20 }),
  ),
  { maxLength: 3 },
);

describe('parseTarget', () => {
  it('reads paths, absolute URLs and *, and gives null (never a throw) for anything else', () => {
    assert.equal(parseTarget('/subscribe?token=a')?.pathname, '/subscribe');
    assert.deepEqual(parseTarget('/subscribe?token=a&token=b')?.searchParams.getAll('token'), ['a', 'b']);
    assert.equal(parseTarget('http://relay:8080/healthz')?.pathname, '/healthz');
    assert.equal(parseTarget('/a/../subscribe')?.pathname, '/subscribe');
    assert.equal(parseTarget('*')?.pathname, '*');
    for (const target of ['', undefined, 'subscribe', 'relay:443', 'http://[', 'ftp://x/']) {
      assert.equal(parseTarget(target), null, String(target));
    }
    for (const target of HOSTILE_TARGETS) assert.equal(parseTarget(target), null, target);
    // A path that starts with `//` is a path, not a host.
    assert.equal(parseTarget('//x/subscribe')?.pathname, '//x/subscribe');
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const parsed = parseTarget(text);
        assert.ok(parsed === null || typeof parsed.pathname === 'string');
      }),
    );
  });
});

describe('request targets and headers at a running relay', () => {
  let relay: Relay;
  let tlsRelay: Relay;
  before(async () => {
    relay = await createRelay({ port: 0, headersTimeoutMs: 2000, log: () => undefined });
    tlsRelay = await createRelay({
      port: 0,
      tls: selfSignedCertificate(),
      log: (l) => process.env.SHOW_LOG && console.log(l),
    });
  });
  after(async () => {
    await relay.close();
    await tlsRelay.close();
  });

  /** The relay still serves a viewer (and, over plain HTTP, /healthz and a producer); no request failed inside it. */
  async function stillServes(at: Relay, token: string): Promise<void> {
    const viewer = await wsSubscribe(at.url, `token=${token}`);
    await viewer.until((events) => events.some((e) => e.type === 'ready'));
    if (at === relay) {
      assert.equal((await get(`${at.url}/healthz`)).status, 200);
      const producer = openIngest(`${at.url}/`, { 'plotly-streamtoken': token });
      producer.write('{"y": 1}\n');
      producer.end();
      assert.equal((await producer.result).status, 200);
      await viewer.untilMessages(1);
    }
    viewer.socket.close();
    assert.equal(at.metrics.internalErrors, 0, 'no request failed inside the relay');
  }

  it('HTTP/1.1: a target that is not a path is a 400, on every method', async () => {
    for (const target of HOSTILE_TARGETS) {
      for (const method of ['GET', 'POST', 'OPTIONS', 'HEAD']) {
        const answer = await exchange(relay.port, `${method} ${target} HTTP/1.1\r\nHost: relay\r\n\r\n`);
        // 400 from the relay; a target Node's parser refuses first is its 400 too.
        assert.equal(statusOf(answer), 400, `${method} ${target}: ${answer.slice(0, 200)}`);
      }
    }
    await stillServes(relay, 'targets-http1');
  });

  it('a WebSocket upgrade to such a target is a 400', async () => {
    for (const target of HOSTILE_TARGETS) {
      const answer = await exchange(relay.port, upgradeRequest(target));
      assert.equal(statusOf(answer), 400, `${target}: ${answer.slice(0, 200)}`);
    }
    await stillServes(relay, 'targets-upgrade');
  });

  it('HTTP/2: a :path of that shape is a 400 on its stream; the session goes on', async () => {
    const session = http2.connect(tlsRelay.url, { rejectUnauthorized: false });
    try {
      for (const target of HOSTILE_TARGETS) {
        const status = await h2Status(session, { ':path': target });
        assert.equal(status, 400, target);
      }
      assert.equal(await h2Status(session, { ':path': '/healthz' }), 200, 'the same session still serves');
    } finally {
      session.close();
    }
    await stillServes(tlsRelay, 'targets-h2');
  });

  it('fuzzed targets and headers on HTTP/1.1 and upgrades: always an answer, never a failure inside', async () => {
    await fc.assert(
      fc.asyncProperty(targets, headerLines, fc.boolean(), async (target, headers, upgrade) => {
        const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
        const bytes = upgrade
          ? upgradeRequest(target, lines)
          : `GET ${target} HTTP/1.1\r\nHost: relay\r\n${lines}Connection: close\r\n\r\n`;
        const answer = await exchange(relay.port, bytes, 2000);
        const status = statusOf(answer);
        // Answered with a status below 500, or (an accepted upgrade) switched protocols.
        assert.ok(status >= 101 && status < 500, `${JSON.stringify(bytes)} -> ${answer.slice(0, 120)}`);
      }),
      { numRuns: 300, seed: 19 },
    );
    await stillServes(relay, 'targets-fuzz');
  });

  it('fuzzed :path and headers on HTTP/2: every stream answered, never a failure inside', async () => {
    const session = http2.connect(tlsRelay.url, { rejectUnauthorized: false });
    try {
      await fc.assert(
        fc.asyncProperty(
          targets,
          headerLines,
          fc.constantFrom('GET', 'POST', 'OPTIONS'),
          async (path, lines, method) => {
            const headers: http2.OutgoingHttpHeaders = { ':method': method, ':path': path };
            for (const [name, value] of lines) headers[name] = value;
            const status = await h2Status(session, headers);
            // 0: the client itself refused to send it (a header value it will not encode).
            assert.ok(status === 0 || (status >= 200 && status < 500), `${JSON.stringify(headers)} -> ${status}`);
          },
        ),
        { numRuns: 200, seed: 20 },
      );
      assert.equal(await h2Status(session, { ':path': '/healthz' }), 200);
    } finally {
      session.close();
    }
    await stillServes(tlsRelay, 'targets-h2-fuzz');
  });
});

/** One HTTP/2 request's status (0 when the client would not send it or the stream was reset). */
function h2Status(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<number> {
  return new Promise((resolve) => {
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: headers[':method'] !== 'POST' });
    } catch {
      resolve(0);
      return;
    }
    if (headers[':method'] === 'POST') stream.end();
    stream.on('response', (h) => {
      resolve(Number(h[':status']));
      stream.close();
    });
    stream.on('error', () => resolve(0));
    stream.on('close', () => resolve(0));
    stream.resume();
  });
}

describe('a relay process under malformed targets', () => {
  it('answers `GET //[` with 400 and keeps running', { timeout: 30_000 }, async () => {
    const relay = await startRelayProcess();
    try {
      for (const target of HOSTILE_TARGETS) {
        assert.equal(statusOf(await exchange(relay.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)), 400);
        assert.equal(statusOf(await exchange(relay.port, upgradeRequest(target))), 400);
      }
      assert.ok(relay.alive(), relay.log());
      assert.equal((await get(`${relay.url}/healthz`)).status, 200);
    } finally {
      assert.equal(await relay.stop(), 0);
    }
  });
});
