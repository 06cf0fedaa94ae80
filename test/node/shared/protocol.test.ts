import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
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

describe('the wire, for any input (fast-check)', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc
      .tuple(
        fc.stringMatching(/^[A-Za-z0-9_.~-]{0,6}$/),
        fc.stringMatching(/^[a-z0-9]{0,6}$/),
        fc.string({ maxLength: 8 }),
      )
      .map(([t, e, o]) => `${t}:${e}:${o}`),
  );

  it('parsePositions keeps only well-formed positions from any values, and never throws', () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 8 }), (values) => {
        const positions = parsePositions(values);
        for (const [token, position] of positions) {
          assert.match(token, /^[A-Za-z0-9_.~-]{1,128}$/);
          assert.ok(Number.isSafeInteger(position.offset) && position.offset >= 0);
          // A kept position survives its own round trip.
          assert.deepEqual(parsePositions([formatPositions(new Map([[token, position]]))]).get(token), position);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('parseSubscribeRequest reads any query: valid tokens once each, the rest reported, never a throw', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('token', 'resume', 'other'), text), { maxLength: 12 }),
        fc.option(text, { nil: undefined }),
        (pairs, lastEventId) => {
          const query = new URLSearchParams(pairs);
          const request = parseSubscribeRequest(query, lastEventId);
          assert.equal(new Set(request.tokens).size, request.tokens.length);
          for (const token of request.tokens) assert.match(token, /^[A-Za-z0-9_.~-]{1,128}$/);
          const asked = new Set(query.getAll('token'));
          assert.equal(request.tokens.length + request.invalid.length, asked.size);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('decodeEvents gives events and errors for any frame, never a throw', () => {
    const frame = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 120 }),
      fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)),
      fc
        .array(
          fc.record({
            type: fc.constantFrom('data', 'reset', 'ready', 'heartbeat', 'error', 'other'),
            token: fc.oneof(fc.string({ maxLength: 5 }), fc.integer()),
            epoch: fc.string({ maxLength: 5 }),
            offset: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 3 })),
            message: fc.jsonValue({ maxDepth: 3 }),
            code: fc.string({ maxLength: 5 }),
          }),
          { maxLength: 5 },
        )
        .map((events) => JSON.stringify(events)),
    );
    fc.assert(
      fc.property(frame, (text) => {
        const { events, errors } = decodeEvents(text);
        assert.ok(Array.isArray(events) && Array.isArray(errors));
        for (const event of events) if (event.type === 'data') assert.ok(Number.isSafeInteger(event.offset));
      }),
      { numRuns: 400 },
    );
  });
});
