/**
 * Multiplexed ingests as Plotly's Arduino libraries write them: no `plotly-streamtoken` header,
 * each line naming its `streamtoken`, several tokens on one request, `plotly-convertTimestamp`
 * asking for `x` as a date. Sent in the libraries' own writes (test/support/arduino-library.ts:
 * flash strings a byte at a time, upper-case hex chunk sizes) over a raw socket to a real relay.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createRelay, type Relay } from '../../../../src/relay/index.js';
import { MAX_TOKENS_PER_INGEST } from '../../../../src/relay/constants.js';
import { closeStream, openStream, plotFloat, plotInt, type Write } from '../../../support/arduino-library.js';
import { dataOf, get, openIngest, post, wsSubscribe } from '../../../support/relay-clients.js';

/** Sends the writes one after another on one connection, as the board does; resolves what the relay answered. */
function sendAsBoard(port: number, writes: Write[]): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      resolve({ status, body: body === '' ? {} : (JSON.parse(body) as Record<string, unknown>) });
    });
    socket.on('connect', () => {
      for (const bytes of writes) socket.write(bytes, 'latin1');
    });
  });
}

/** `2026-12-06 14:03:07.250` for a time in a zone (Sweden's locale writes dates the ISO way). */
function inZone(time: number, zone: string): string {
  const millis = String(time % 1000).padStart(3, '0');
  return `${new Date(time).toLocaleString('sv-SE', { timeZone: zone })}.${millis}`;
}

// Plotly's stream tokens were 10 characters: the libraries' chunk sizes count on it.
const A = 'n52pjyuspb';
const B = '63ze214eja';

describe("multiplexed ingests, in the bytes of Plotly's Arduino libraries", () => {
  let relay: Relay;
  const logs: string[] = [];
  before(async () => (relay = await createRelay({ port: 0, log: (line) => logs.push(line) })));
  after(() => relay.close());

  it('routes each line to the token it names (two tokens on one request), without streamtoken, x a date in the zone asked', async () => {
    const viewer = await wsSubscribe(relay.url, `token=${A}&token=${B}`);
    const before = Date.now();
    const answer = await sendAsBoard(relay.port, [
      ...openStream('America/Montreal'),
      ...plotInt(1234, 512, A),
      ...plotFloat(1250, 21.5, B),
      ...plotInt(2234, -7, A),
      ...plotFloat(2250, -3.25, B),
      ...closeStream(),
    ]);
    const afterwards = Date.now();
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body['tokens'], [A, B]);
    assert.equal(answer.body['token'], undefined);
    assert.equal(answer.body['accepted'], 4);
    assert.equal(answer.body['rejected'], 0);
    await viewer.untilMessages(4);
    const got = dataOf(viewer.events).map((e): Record<string, unknown> => ({ token: e.token, ...e.message }));
    // Each token's messages in order (a viewer of two tokens may get one's before the other's).
    const ysOf = (token: string) => got.filter((m) => m['token'] === token).map((m) => m['y']);
    assert.deepEqual(ysOf(A), [512, -7]);
    assert.deepEqual(ysOf(B), [21.5, -3.25]);
    for (const message of got) assert.equal('streamtoken' in message, false, 'streamtoken is not stored');
    // x: the request's start plus the board's milliseconds, in Montreal (the start is within the exchange).
    const sent = new Map<unknown, number>([
      [512, 1234],
      [21.5, 1250],
      [-7, 2234],
      [-3.25, 2250],
    ]);
    got.forEach((message) => {
      const x = message['x'] as string;
      const offset = sent.get(message['y']) as number;
      assert.ok(
        inZone(before + offset, 'America/Montreal') <= x && x <= inZone(afterwards + offset, 'America/Montreal'),
        `${x} is not ${offset} ms after the request started, in Montreal`,
      );
    });
    viewer.socket.close();
  });

  it('leaves x as the board sent it without plotly-convertTimestamp; a zone it does not know falls back to Montreal, logged', async () => {
    const viewer = await wsSubscribe(relay.url, 'token=qnt4m8zl2x');
    const plain = await sendAsBoard(relay.port, [
      ...openStream(null),
      ...plotInt(99, 1, 'qnt4m8zl2x'),
      ...closeStream(),
    ]);
    assert.equal(plain.status, 200);
    await viewer.untilMessages(1);
    assert.equal(viewer.messages.at(-1)?.['x'], 99);
    const unknown = await sendAsBoard(relay.port, [
      ...openStream('Mars/Olympus'),
      ...plotInt(5, 2, 'qnt4m8zl2x'),
      ...closeStream(),
    ]);
    assert.equal(unknown.status, 200);
    await viewer.untilMessages(2);
    assert.match(String(viewer.messages.at(-1)?.['x']), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    assert.ok(
      logs.some((line) => /"Mars\/Olympus".*America\/Montreal is used/.test(line)),
      logs.join('\n'),
    );
    viewer.socket.close();
  });

  it('a single-token ingest with plotly-convertTimestamp (the older libraries) gets its x converted too', async () => {
    const viewer = await wsSubscribe(relay.url, 'token=older');
    const answer = await post(`${relay.url}/`, '{"x": 10, "y": 1}\n', {
      'plotly-streamtoken': 'older',
      'plotly-convertTimestamp': 'UTC',
    });
    assert.equal(answer.status, 200);
    await viewer.untilMessages(1);
    assert.match(String(viewer.messages[0]?.['x']), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    viewer.socket.close();
  });

  it('rejects alone a line that names no token, a token that is not one, or a bad line; the others go on', async () => {
    const viewer = await wsSubscribe(relay.url, 'token=mixed');
    const body =
      '{"y": 1, "streamtoken": "mixed"}\n' +
      '{"y": 2}\n' +
      '{"y": 3, "streamtoken": "has space"}\n' +
      '{"y": 4, "streamtoken": 12}\n' +
      'not json\n' +
      '{"y": 5, "streamtoken": "mixed"}\n';
    const answer = await post(`${relay.url}/`, body);
    const summary = JSON.parse(answer.body) as {
      accepted: number;
      rejected: number;
      errors: Array<{ line: number; code: string }>;
    };
    assert.equal(answer.status, 200);
    assert.equal(summary.accepted, 2);
    assert.deepEqual(
      summary.errors.map((e) => [e.line, e.code]),
      [
        [2, 'no-token'],
        [3, 'bad-token'],
        [4, 'bad-token'],
        [5, 'invalid-json'],
      ],
    );
    await viewer.untilMessages(2);
    assert.deepEqual(
      viewer.messages.map((m) => m['y']),
      [1, 5],
    );
    viewer.socket.close();
  });

  it('a request without the header whose first message names no token is refused 406, as before', async () => {
    const answer = await post(`${relay.url}/`, '\n{"y": 1}\n');
    assert.equal(answer.status, 406);
    assert.match(answer.body, /missing header plotly-streamtoken/);
  });

  it('holds each token to its own write key: a token without its key is rejected alone', async () => {
    const locked = await createRelay({ port: 0, keys: { [A]: 'key-of-a', [B]: 'key-of-b' }, log: () => undefined });
    try {
      const answer = await post(
        `${locked.url}/`,
        `{"y": 1, "streamtoken": "${A}"}\n{"y": 2, "streamtoken": "${B}"}\n{"y": 3, "streamtoken": "${A}"}\n`,
        { 'plotly-streamkey': 'key-of-b' },
      );
      const summary = JSON.parse(answer.body) as {
        accepted: number;
        tokens: string[];
        errors: Array<{ code: string }>;
      };
      assert.equal(answer.status, 200);
      assert.equal(summary.accepted, 1);
      assert.deepEqual(summary.tokens, [B]);
      assert.deepEqual(
        summary.errors.map((e) => e.code),
        ['unauthorized', 'unauthorized'],
      );
      const json = JSON.parse((await get(`${locked.url}/metrics?format=json`)).body);
      assert.equal(json.refused['write-key'], 1, 'a refused token is refused (and logged) once per ingest');
    } finally {
      await locked.close();
    }
  });

  it('takes each token over from the ingest that held it, and is taken over itself (409), each token counted as a producer', async () => {
    const older = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'taken' });
    older.write('{"y": 1}\n');
    const multiplexed = openIngest(`${relay.url}/`, {});
    multiplexed.write('{"y": 2, "streamtoken": "taken"}\n{"y": 3, "streamtoken": "other"}\n');
    const first = await older.result;
    assert.equal(first.status, 409);
    const counts = JSON.parse((await get(`${relay.url}/metrics?format=json`)).body).tokens;
    assert.equal(counts.taken.producers, 1);
    assert.equal(counts.other.producers, 1);
    const newer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'other' });
    const second = await multiplexed.result;
    assert.equal(second.status, 409);
    assert.deepEqual(JSON.parse(second.body).tokens, ['taken', 'other']);
    newer.end();
    await newer.result;
    const after = JSON.parse((await get(`${relay.url}/metrics?format=json`)).body).tokens;
    assert.equal(after.taken.producers, 0);
    assert.equal(after.other.producers, 0);
  });

  it(`writes at most ${MAX_TOKENS_PER_INGEST} tokens: a line for one more is rejected alone`, async () => {
    const lines = Array.from(
      { length: MAX_TOKENS_PER_INGEST + 2 },
      (_, i) => `{"y": ${i}, "streamtoken": "many-${i}"}\n`,
    );
    const answer = await post(`${relay.url}/`, lines.join(''));
    const summary = JSON.parse(answer.body) as { accepted: number; tokens: string[]; errors: Array<{ code: string }> };
    assert.equal(summary.accepted, MAX_TOKENS_PER_INGEST);
    assert.equal(summary.tokens.length, MAX_TOKENS_PER_INGEST);
    assert.deepEqual(
      summary.errors.map((e) => e.code),
      ['too-many-tokens', 'too-many-tokens'],
    );
  });
});
