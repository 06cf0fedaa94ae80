import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CloseCode,
  decodeEvents,
  encodeData,
  encodeError,
  encodeFrame,
  encodeHeartbeat,
  encodeReady,
  encodeReset,
  formatPositions,
  parsePositions,
  parseSubscribeRequest,
  RELAY_ERROR_CODES,
  type RelayErrorCode,
  type RelayEvent,
} from '../../../src/shared/protocol.js';
import { subscribeUrl } from '../../../src/element/transport/subscribe-url.js';

describe('positions', () => {
  it('round-trip through their text form', () => {
    const positions = new Map([
      ['A', { epoch: 'k1', offset: 41 }],
      ['b.2', { epoch: 'z-9', offset: 0 }],
    ]);
    const text = formatPositions(positions);
    assert.equal(text, 'A:k1:41,b.2:z-9:0');
    assert.deepEqual(parsePositions([text]), positions);
  });

  it('skip malformed items and keep the good ones', () => {
    const parsed = parsePositions(['A:e:1,bad,B:e:-1,C:e:x,:e:1,D:e:2', 'E:e:3:4', 'F:e:5']);
    assert.deepEqual([...parsed.keys()], ['A', 'D', 'F']);
  });
});

describe('decodeEvents', () => {
  it('decodes one event or a batch', () => {
    const one = decodeEvents('{"type":"heartbeat"}');
    assert.deepEqual(one, { events: [{ type: 'heartbeat' }], errors: [] });
    const batch = decodeEvents(
      '[{"type":"reset","token":"A","epoch":"e","offset":0},{"type":"data","token":"A","epoch":"e","offset":1,"message":{"y":1}}]',
    );
    assert.equal(batch.events.length, 2);
    assert.deepEqual(batch.errors, []);
  });

  it('reports bad events and keeps the good ones beside them', () => {
    const result = decodeEvents(
      '[{"type":"data","token":"A","epoch":"e","offset":1,"message":3},{"type":"data","token":"A","epoch":"e","offset":2,"message":{"y":2}},5]',
    );
    assert.equal(result.events.length, 1);
    assert.equal(result.errors.length, 2);
    assert.match(result.errors[0] as string, /message is not an object/);
  });

  it('ignores event types it does not know (newer relays)', () => {
    assert.deepEqual(decodeEvents('{"type":"future-thing"}'), { events: [], errors: [] });
  });

  it('reports a frame that is not JSON', () => {
    const result = decodeEvents('nope');
    assert.equal(result.events.length, 0);
    assert.match(result.errors[0] as string, /not JSON/);
  });
});

describe('the wire round trip: what the relay encodes, the element decodes back equal', () => {
  const codes: readonly RelayErrorCode[] = RELAY_ERROR_CODES;
  const cases: Array<[string, RelayEvent]> = [
    [
      encodeData('A.b~1', 'k3x9', 42, 1_764_000_000_123, '{"x": 1, "y": [1, 2], "layout": {"title": {"text": "t"}}}'),
      {
        type: 'data',
        token: 'A.b~1',
        epoch: 'k3x9',
        offset: 42,
        time: 1_764_000_000_123,
        message: { x: 1, y: [1, 2], layout: { title: { text: 't' } } },
      },
    ],
    [encodeReset('A', 'k3x9', 0), { type: 'reset', token: 'A', epoch: 'k3x9', offset: 0 }],
    [encodeReady(), { type: 'ready' }],
    [encodeHeartbeat(), { type: 'heartbeat' }],
    ...codes.map((code): [string, RelayEvent] => [
      encodeError(code, 'why "quoted"\n'),
      { type: 'error', code, message: 'why "quoted"\n' },
    ]),
    [encodeError('bad-token', 'about A', 'A'), { type: 'error', code: 'bad-token', message: 'about A', token: 'A' }],
  ];

  for (const [text, event] of cases) {
    it(`${event.type}${event.type === 'error' ? ` (${event.code})` : ''}: ${text.slice(0, 60)}`, () => {
      assert.deepEqual(decodeEvents(text), { events: [event], errors: [] });
    });
  }

  it('a frame of several events decodes to all of them, in order; a frame of one is the event itself', () => {
    assert.deepEqual(decodeEvents(encodeFrame(cases.map(([text]) => text))), {
      events: cases.map(([, event]) => event),
      errors: [],
    });
    assert.equal(encodeFrame([encodeReady()]), encodeReady());
  });

  it('the subscribe URL the element builds is read back by the relay: tokens, order and positions', () => {
    const positions = new Map([
      ['A', { epoch: 'e1', offset: 7 }],
      ['b_2', { epoch: 'e2', offset: 0 }],
    ]);
    const url = subscribeUrl('http://relay.test/base', ['A', 'b_2', 'C'], positions, 'ws');
    const request = parseSubscribeRequest(url.searchParams);
    assert.deepEqual(request, { tokens: ['A', 'b_2', 'C'], invalid: [], resume: positions });
  });

  it('the relay reads Last-Event-ID, drops repeated tokens and lists the invalid ones', () => {
    const query = new URLSearchParams('token=A&token=A&token=bad%20one&token=B&resume=B:e:3');
    const request = parseSubscribeRequest(query, 'A:e:9');
    assert.deepEqual(request.tokens, ['A', 'B']);
    assert.deepEqual(request.invalid, ['bad one']);
    assert.deepEqual(
      [...request.resume],
      [
        ['A', { epoch: 'e', offset: 9 }],
        ['B', { epoch: 'e', offset: 3 }],
      ],
    );
  });

  it("close codes are distinct, and the relay's own are in the application range", () => {
    const values = Object.values(CloseCode);
    assert.equal(new Set(values).size, values.length);
    assert.ok(CloseCode.badRequest >= 4000 && CloseCode.badRequest < 5000);
    assert.ok(CloseCode.tooSlow >= 4000 && CloseCode.tooSlow < 5000);
  });
});
