import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRelay, signReadToken, type Relay } from '../../../../src/relay/index.js';
import { encodeSubscribe, encodeUnsubscribe, type RelayEvent } from '../../../../src/shared/protocol.js';
import { get, lines, post, range, wsSubscribe, ys } from '../../../support/relay-clients.js';

const readyFor = (token: string) => (events: RelayEvent[]) =>
  events.some((e) => e.type === 'ready' && e.tokens?.includes(token));
const errors = (events: RelayEvent[]) => events.flatMap((e) => (e.type === 'error' ? [`${e.code}: ${e.message}`] : []));

describe('control messages up a WebSocket', () => {
  let relay: Relay;
  before(async () => {
    relay = await createRelay({ port: 0, maxTokensPerSubscription: 4, log: () => undefined });
  });
  after(async () => {
    await relay.close();
  });
  const write = (token: string, from: number, to: number) =>
    post(`${relay.url}/`, lines(from, to), { 'plotly-streamtoken': token });

  it('the first ready says the relay reads them, and how many tokens a subscription may hold', async () => {
    const viewer = await wsSubscribe(relay.url, 'token=c0');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    assert.deepEqual(
      viewer.events.find((e) => e.type === 'ready'),
      { type: 'ready', control: 1, maxTokens: 4 },
    );
    viewer.socket.close();
  });

  it('subscribe adds a token (reset, history, a ready naming it, then live); unsubscribe drops one; the others never skip', async () => {
    await write('c1', 1, 5);
    await write('c2', 1, 3);
    const viewer = await wsSubscribe(relay.url, 'token=c1');
    await viewer.until((e) => ys(e, 'c1').length === 5);
    viewer.socket.send(encodeSubscribe(['c2'], new Map()));
    await viewer.until(readyFor('c2'));
    assert.deepEqual(ys(viewer.events, 'c2'), [1, 2, 3]);
    assert.ok(viewer.events.some((e) => e.type === 'reset' && e.token === 'c2'));
    await write('c1', 6, 10);
    await write('c2', 4, 6);
    await viewer.until((e) => ys(e, 'c1').length === 10 && ys(e, 'c2').length === 6);
    viewer.socket.send(encodeUnsubscribe(['c2']));
    // The relay takes messages in order: once a later subscribe is ready, the unsubscribe was taken.
    viewer.socket.send(encodeSubscribe(['c2b'], new Map()));
    await viewer.until(readyFor('c2b'));
    await write('c2', 7, 9);
    await write('c1', 11, 12);
    await viewer.until((e) => ys(e, 'c1').length === 12);
    assert.deepEqual(ys(viewer.events, 'c1'), range(1, 12));
    assert.deepEqual(ys(viewer.events, 'c2'), range(1, 6), 'nothing of c2 after the unsubscribe');
    assert.deepEqual(errors(viewer.events), []);
    viewer.socket.close();
  });

  it('subscribe with resume sends exactly what was missed, without a reset', async () => {
    await write('c3', 1, 4);
    const first = await wsSubscribe(relay.url, 'token=c3');
    await first.until((e) => ys(e, 'c3').length === 4);
    const last = first.events.filter((e) => e.type === 'data').at(-1) as { epoch: string; offset: number };
    first.socket.close();
    await write('c3', 5, 8);
    const viewer = await wsSubscribe(relay.url, 'token=c0');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    viewer.socket.send(encodeSubscribe(['c3'], new Map([['c3', { epoch: last.epoch, offset: last.offset }]])));
    await viewer.until(readyFor('c3'));
    assert.deepEqual(ys(viewer.events, 'c3'), [5, 6, 7, 8]);
    assert.ok(!viewer.events.some((e) => e.type === 'reset' && e.token === 'c3'));
    viewer.socket.close();
  });

  it('refuses malformed, binary, oversized control messages and tokens past the cap, and goes on', async () => {
    const viewer = await wsSubscribe(relay.url, 'token=c4');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    for (const bad of [
      'not json',
      '[1]',
      '{"type":"explode","tokens":["a"]}',
      '{"type":"subscribe"}',
      '{"type":"subscribe","tokens":[]}',
      '{"type":"subscribe","tokens":["a"],"resume":5}',
      JSON.stringify({ type: 'subscribe', tokens: ['x'.repeat(40 * 1024)] }),
    ])
      viewer.socket.send(bad);
    viewer.socket.send(Buffer.from('{"type":"subscribe","tokens":["c5"]}'), { binary: true });
    viewer.socket.send('{"type":"subscribe","tokens":["bad token","c5","c6","c7","c8","c9"]}');
    // Many bad values in one message: one event that counts them.
    viewer.socket.send(JSON.stringify({ type: 'subscribe', tokens: Array.from({ length: 300 }, (_, i) => `no ${i}`) }));
    await viewer.until(readyFor('c5'));
    await write('c4', 1, 2);
    await viewer.until((e) => ys(e, 'c4').length === 2);
    const said = errors(viewer.events);
    assert.deepEqual(said.slice(0, 8), [
      'bad-control: a control message must be JSON',
      'bad-control: a control message must be a JSON object',
      'bad-control: a control message has type "subscribe" or "unsubscribe"',
      'bad-control: subscribe needs "tokens": a list of tokens',
      'bad-control: subscribe needs "tokens": a list of tokens',
      `bad-control: subscribe's "resume" is positions as in the query: "A:epoch:offset,B:epoch:offset"`,
      'bad-control: a control message is at most 32768 bytes',
      'bad-control: control messages are JSON text, not binary',
    ]);
    assert.match(said[8] as string, /^bad-token: "bad token" is not a token/);
    assert.equal(said[9], 'too-many-tokens: 2 tokens past the limit of 4 in one subscription not subscribed: c8, c9');
    await viewer.until((e) => errors(e).length >= 11);
    const all = errors(viewer.events);
    assert.match(all[10] as string, /^bad-token: 300 values are not tokens \("no 0", "no 1", "no 2", …\)/);
    assert.equal(all.filter((e) => e.startsWith('bad-token')).length, 2, 'one event per message, not per value');
    assert.equal(viewer.socket.readyState, viewer.socket.OPEN);
    const metrics = JSON.parse((await get(`${relay.url}/metrics?format=json`)).body);
    assert.equal(metrics.tokens.c5.subscribers, 1);
    assert.equal(metrics.tokens.c8, undefined);
    viewer.socket.close();
  });

  it('past 120 a minute, control messages are refused once with a reason and ignored; the stream goes on', async () => {
    const viewer = await wsSubscribe(relay.url, 'token=c10');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    for (let i = 0; i < 300; i++) viewer.socket.send(encodeUnsubscribe(['nothing']));
    await viewer.until((e) => errors(e).length >= 1);
    await write('c10', 1, 3);
    await viewer.until((e) => ys(e, 'c10').length === 3);
    assert.deepEqual(errors(viewer.events), [
      'bad-control: more than 120 control messages a minute: ignored until the minute is over',
    ]);
    viewer.socket.close();
  });
});

describe('control messages with private streams', () => {
  it('subscribe adds only what the read token covers; the rest is forbidden, named', async () => {
    const secret = 'a-read-secret-of-at-least-32-bytes!';
    const relay = await createRelay({ port: 0, readSecret: secret, log: () => undefined });
    try {
      const jwt = await signReadToken({ streams: ['mine-*'], expiresIn: 60 }, secret);
      const viewer = await wsSubscribe(relay.url, `token=mine-1&access_token=${jwt}`);
      await viewer.until((e) => e.some((x) => x.type === 'ready'));
      viewer.socket.send(encodeSubscribe(['mine-2', 'theirs'], new Map()));
      await viewer.until(readyFor('mine-2'));
      assert.deepEqual(errors(viewer.events), ['forbidden: the read token does not cover "theirs"; not subscribed']);
      await post(`${relay.url}/`, lines(1, 1), { 'plotly-streamtoken': 'theirs' });
      await post(`${relay.url}/`, lines(1, 1), { 'plotly-streamtoken': 'mine-2' });
      await viewer.until((e) => ys(e, 'mine-2').length === 1);
      assert.deepEqual(ys(viewer.events, 'theirs'), []);
      viewer.socket.close();
    } finally {
      await relay.close();
    }
  });
});
