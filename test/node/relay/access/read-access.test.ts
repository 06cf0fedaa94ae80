import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { createRelay, signReadToken, type Relay } from '../../../../src/relay/index.js';
import { ReadAccess, ReadKeyError, isRefusal, streamsCover } from '../../../../src/relay/access/read-access.js';
import { get, openIngest, sseSubscribe, wsSubscribe } from '../../../support/relay-clients.js';

const SECRET = 'a-read-secret-of-at-least-32-bytes!';

describe('read tokens', () => {
  it('cover exact names and prefixes ending in *', () => {
    assert.ok(streamsCover(['a', 'room-*'], 'a'));
    assert.ok(streamsCover(['a', 'room-*'], 'room-12'));
    assert.equal(streamsCover(['a', 'room-*'], 'ab'), false);
    assert.equal(streamsCover(['a', 'room-*'], 'room'), false);
    assert.ok(streamsCover(['*'], 'anything'));
  });

  it('round-trip with HS256, RS256 and ES256; a grant says what and until when', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (const [access, key] of [
      [ReadAccess.fromSecret(SECRET), SECRET],
      [ReadAccess.fromPublicKey(rsa.publicKey.export({ type: 'spki', format: 'pem' })), rsa.privateKey],
      [ReadAccess.fromPublicKey(ec.publicKey.export({ type: 'spki', format: 'pem' })), ec.privateKey],
    ] as const) {
      const jwt = await signReadToken({ streams: ['a', 'b*'], expiresIn: '1h' }, key);
      const grant = await access.verify(jwt);
      assert.ok(!isRefusal(grant), access.algorithm);
      if (!isRefusal(grant)) {
        assert.deepEqual(grant.streams, ['a', 'b*']);
        assert.ok(Math.abs(grant.expiresAt - Date.now() - 3_600_000) < 5000);
        assert.equal(ReadAccess.check(grant, ['a', 'b2']), null);
        assert.deepEqual(ReadAccess.check(grant, ['a', 'c']), {
          status: 403,
          code: 'forbidden',
          reason: 'the read token does not cover "c"',
        });
      }
    }
  });

  it('refuse, with the reason, what is missing, malformed, expired, forged, unsigned or without streams', async () => {
    const access = ReadAccess.fromSecret(SECRET);
    const sign = (payload: Record<string, unknown>, secret = SECRET, alg = 'HS256') =>
      new SignJWT(payload).setProtectedHeader({ alg }).sign(Buffer.from(secret));
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /needs a read token/],
      ['', /needs a read token/],
      ['not.a.jwt', /not a valid JWT/],
      ['x'.repeat(10_000), /not a valid JWT/],
      [await sign({ streams: ['a'], exp: now - 60 }), /expired/],
      [await sign({ streams: ['a'], exp: now + 60 }, 'another-secret-of-at-least-32-bytes'), /bad signature/],
      [await sign({ streams: ['a'] }), /exp claim/],
      [await sign({ exp: now + 60 }), /no streams claim/],
      [await sign({ streams: 'a', exp: now + 60 }), /no streams claim/],
      [await sign({ streams: ['a'], exp: now + 60 }, SECRET, 'HS512'), /must be signed with HS256/],
      [
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"streams":["a"],"exp":${now + 60}}`).toString('base64url')}.`,
        /must be signed with HS256|not a valid JWT/,
      ],
    ];
    for (const [jwt, reason] of cases) {
      const result = await access.verify(jwt);
      assert.ok(isRefusal(result), String(jwt).slice(0, 40));
      if (isRefusal(result)) {
        assert.equal(result.status, 401);
        assert.equal(result.code, 'unauthorized');
        assert.match(result.reason, reason);
      }
    }
  });

  it('refuse keys that cannot work: a short secret, a non-key, an RSA token for an EC key', async () => {
    assert.throws(
      () => ReadAccess.fromSecret('short'),
      (e: Error) => e instanceof ReadKeyError && /at least 32 bytes/.test(e.message),
    );
    assert.throws(() => ReadAccess.fromPublicKey('not a pem'), ReadKeyError);
    const ed = generateKeyPairSync('ed25519');
    assert.throws(
      () => ReadAccess.fromPublicKey(ed.publicKey.export({ type: 'spki', format: 'pem' })),
      /RSA \(RS256\) or EC P-256/,
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const access = ReadAccess.fromPublicKey(ec.publicKey.export({ type: 'spki', format: 'pem' }));
    const result = await access.verify(await signReadToken({ streams: ['a'], expiresIn: 60 }, rsa.privateKey));
    assert.ok(isRefusal(result));
    await assert.rejects(signReadToken({ streams: [], expiresIn: 60 }, SECRET), /at least one/);
    await assert.rejects(signReadToken({ streams: ['a'], expiresIn: -1 }, SECRET), /positive/);
    await assert.rejects(signReadToken({ streams: ['a'], expiresIn: 60 }, rsa.publicKey), /not a public key/);
  });
});

describe('private streams on a relay', () => {
  let relay: Relay;
  const logged: string[] = [];
  before(async () => {
    relay = await createRelay({ port: 0, readSecret: SECRET, log: (line) => logged.push(line) });
  });
  after(async () => {
    await relay.close();
  });
  const token = (streams: string[], expiresIn: number | string = '1h') => signReadToken({ streams, expiresIn }, SECRET);

  it('serves a viewer whose token covers it, by Bearer header or access_token parameter, on both transports', async () => {
    const jwt = await token(['room-*']);
    const ws = await wsSubscribe(relay.url, `token=room-1&access_token=${jwt}`);
    const sse = await sseSubscribe(relay.url, 'token=room-1', { authorization: `Bearer ${jwt}` });
    const wsByHeader = await wsSubscribe(relay.url, 'token=room-1', { authorization: `Bearer ${jwt}` });
    const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'room-1' });
    producer.write('{"y": 1}\n');
    await Promise.all([ws.untilMessages(1), sse.untilMessages(1), wsByHeader.untilMessages(1)]);
    producer.end();
    assert.equal((await producer.result).status, 200);
    ws.socket.close();
    wsByHeader.socket.close();
    sse.close();
  });

  it('refuses SSE with 401 or 403 and a JSON reason', async () => {
    const missing = await get(`${relay.url}/subscribe?token=a`, { accept: 'text/event-stream' });
    assert.equal(missing.status, 401);
    assert.deepEqual(JSON.parse(missing.body).error, 'unauthorized');
    assert.match(JSON.parse(missing.body).reason, /needs a read token/);
    assert.match(String(missing.headers['www-authenticate']), /Bearer/);
    const old = await new SignJWT({ streams: ['a'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(Buffer.from(SECRET));
    const expired = await get(`${relay.url}/subscribe?token=a&access_token=${old}`, { accept: 'text/event-stream' });
    assert.equal(expired.status, 401);
    assert.match(JSON.parse(expired.body).reason, /expired/);
    const forbidden = await get(`${relay.url}/subscribe?token=a&token=b`, {
      accept: 'text/event-stream',
      authorization: `Bearer ${await token(['a'])}`,
    });
    assert.equal(forbidden.status, 403);
    assert.deepEqual(JSON.parse(forbidden.body), { error: 'forbidden', reason: 'the read token does not cover "b"' });
  });

  it('accepts a WebSocket and closes it at once with 4401 or 4403 and the reason', async () => {
    const missing = await wsSubscribe(relay.url, 'token=a');
    assert.deepEqual(await missing.closed, {
      code: 4401,
      reason: 'this relay needs a read token: send it as Authorization: Bearer or as the access_token parameter',
    });
    const forged = await wsSubscribe(relay.url, `token=a&access_token=${(await token(['a'])).slice(0, -2)}xx`);
    assert.equal((await forged.closed).code, 4401);
    const forbidden = await wsSubscribe(relay.url, `token=a&token=b&access_token=${await token(['a'])}`);
    assert.deepEqual(await forbidden.closed, { code: 4403, reason: 'the read token does not cover "b"' });
    assert.deepEqual(missing.events, [], 'nothing is sent before the refusal');
  });

  it('closes a live connection when its token expires: 4401 on WebSocket, an unauthorized event on SSE', async () => {
    // A token that expires within the clock tolerance: accepted, then ended when its exp passes.
    const now = Math.floor(Date.now() / 1000);
    const soon = await new SignJWT({ streams: ['x'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(now + 1)
      .sign(Buffer.from(SECRET));
    const ws = await wsSubscribe(relay.url, `token=x&access_token=${soon}`);
    const sse = await sseSubscribe(relay.url, `token=x&access_token=${soon}`);
    await ws.until((e) => e.some((x) => x.type === 'ready'));
    const closed = await ws.closed;
    assert.deepEqual(closed, { code: 4401, reason: 'the read token has expired' });
    await sse.ended;
    assert.ok(sse.events.some((e) => e.type === 'error' && e.code === 'unauthorized' && /expired/.test(e.message)));
  });

  it('checks the token again on every resume', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = await new SignJWT({ streams: ['r'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(now - 30)
      .sign(Buffer.from(SECRET));
    const resumed = await wsSubscribe(relay.url, `token=r&resume=r:e:1&access_token=${stale}`);
    assert.deepEqual(await resumed.closed, { code: 4401, reason: 'the read token has expired' });
  });

  it('keeps /metrics (which names tokens) closed without a metrics token or port', async () => {
    const metrics = await get(`${relay.url}/metrics`);
    assert.equal(metrics.status, 403);
    assert.match(metrics.body, /--metrics-token or --metrics-port/);
  });

  it('never logs a read token or a query string', () => {
    assert.ok(logged.length > 0, 'refusals were logged');
    for (const line of logged) {
      assert.doesNotMatch(line, /eyJ/, line);
      assert.doesNotMatch(line, /access_token=|[?&]token=/, line);
    }
  });
});

describe('/metrics access', () => {
  it('needs the metrics token when one is set (compared in constant time), or is served on its own port', async () => {
    const relay = await createRelay({ port: 0, readSecret: SECRET, metricsToken: 'scrape-me', log: () => undefined });
    try {
      assert.equal((await get(`${relay.url}/metrics`)).status, 401);
      assert.equal((await get(`${relay.url}/metrics`, { authorization: 'Bearer wrong' })).status, 401);
      const ok = await get(`${relay.url}/metrics`, { authorization: 'Bearer scrape-me' });
      assert.equal(ok.status, 200);
      assert.match(ok.body, /plotly_stream_refused_total\{reason="metrics-token"\} 2/);
    } finally {
      await relay.close();
    }
    const ported = await createRelay({ port: 0, readSecret: SECRET, metricsPort: 0, log: () => undefined });
    try {
      assert.match(ported.metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await get(`${ported.url}/metrics`)).status, 404);
      const ok = await get(`${ported.metricsUrl}/metrics?format=json`);
      assert.equal(ok.status, 200);
      assert.ok('connections' in JSON.parse(ok.body));
    } finally {
      await ported.close();
    }
  });

  it('refuses to start with both a read secret and a public key, or a secret too short', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' });
    await assert.rejects(createRelay({ port: 0, readSecret: SECRET, readPublicKey: pem }), /not both/);
    await assert.rejects(createRelay({ port: 0, readSecret: 'short' }), /at least 32 bytes/);
  });
});
