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
  encodeFigure,
  encodeReady,
  encodeReset,
  encodeColumnRuns,
  encodeRun,
  formatPositions,
  parsePositions,
  parseSubscribeRequest,
  RELAY_ERROR_CODES,
  runAfter,
  runEnd,
  runMessages,
  runOf,
  type RelayErrorCode,
  type RelayEvent,
  type DataEvent,
  type RunEvent,
} from '../../../src/shared/protocol.js';
import { subscribeUrl } from '../../../src/element/transport/subscribe-url.js';
import { parseJson } from '../../../src/shared/messages.js';

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

  it('names what a data, run or reset event lacks of its position: a valid token, an epoch, an integer offset', () => {
    const body = { data: { message: { y: 1 } }, run: { messages: [{ y: 1 }] }, reset: {} };
    for (const type of ['data', 'run', 'reset'] as const) {
      const event = { type, token: 'A', epoch: 'e', offset: 1, ...body[type] };
      assert.deepEqual(decodeEvents(JSON.stringify(event)).errors, [], type);
      for (const [change, error] of [
        [{ token: 'bad token' }, `${type} event without a valid token`],
        [{ epoch: 7 }, `${type} event without an epoch`],
        [{ offset: 1.5 }, `${type} event without an integer offset`],
      ] as const)
        assert.deepEqual(decodeEvents(JSON.stringify({ ...event, ...change })), { events: [], errors: [error] });
    }
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
    [
      encodeRun('A', 'k3x9', 43, [1000, 1000, 1003], ['{"y":1}', '{"y": [2, 3]}', '{"y":4,"text":"x"}']),
      {
        type: 'run',
        token: 'A',
        epoch: 'k3x9',
        offset: 43,
        time: 1000,
        dt: [0, 0, 3],
        messages: [{ y: 1 }, { y: [2, 3] }, { y: 4, text: 'x' }],
      },
    ],
    [
      encodeRun('A', 'k3x9', 46, [5, 5], ['{"y":5}', '{"y":6}']),
      { type: 'run', token: 'A', epoch: 'k3x9', offset: 46, time: 5, messages: [{ y: 5 }, { y: 6 }] },
    ],
    [encodeReset('A', 'k3x9', 0), { type: 'reset', token: 'A', epoch: 'k3x9', offset: 0 }],
    [encodeReady(), { type: 'ready' }],
    [encodeHeartbeat(), { type: 'heartbeat' }],
    [
      encodeFigure(3, { data: [{ y: [], stream: { token: 's-abc' } }], layout: { title: { text: '<T>' } } }),
      {
        type: 'figure',
        revision: 3,
        figure: { data: [{ y: [], stream: { token: 's-abc' } }], layout: { title: { text: '<T>' } } },
      },
    ],
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
    assert.deepEqual(request, { tokens: ['A', 'b_2', 'C'], invalid: [], resume: positions, runs: true, columns: true });
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

describe('run events (consecutive messages of a token in one event)', () => {
  const run = (offset: number, count: number, times?: number[]): RunEvent => ({
    type: 'run',
    token: 'A',
    epoch: 'e',
    offset,
    ...(times === undefined ? {} : { time: times[0] as number, dt: times.map((t) => t - (times[0] as number)) }),
    messages: Array.from({ length: count }, (_, i) => ({ y: offset + i })),
  });

  it('a mixed frame of data, run and reset events decodes in order', () => {
    const frame = encodeFrame([
      encodeData('A', 'e', 1, 10, '{"y":1}'),
      encodeRun('A', 'e', 2, [10, 11], ['{"y":2}', '{"y":3}']),
      encodeReset('B', 'f', 0),
      encodeData('B', 'f', 1, 12, '{"y":1}'),
      encodeRun('A', 'e', 4, [13], ['{"y":4}']),
    ]);
    const { events, errors } = decodeEvents(frame);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      events.map((e) => `${e.type}:${'offset' in e ? e.offset : ''}`),
      ['data:1', 'run:2', 'reset:0', 'data:1', 'run:4'],
    );
  });

  it('a message that is not an object is reported and left out; the others keep their offsets', () => {
    const { events, errors } = decodeEvents(
      '{"type":"run","token":"A","epoch":"e","offset":5,"time":1,"messages":[{"y":5},7,{"y":7}]}',
    );
    assert.deepEqual((events[0] as RunEvent).messages, [{ y: 5 }, null, { y: 7 }]);
    assert.match(errors[0] as string, /message 1 is not an object/);
  });

  it('refuses a run without token, epoch, offset or messages; drops times of the wrong shape', () => {
    for (const bad of [
      '{"type":"run","epoch":"e","offset":1,"messages":[{}]}',
      '{"type":"run","token":"A","offset":1,"messages":[{}]}',
      '{"type":"run","token":"A","epoch":"e","offset":1.5,"messages":[{}]}',
      '{"type":"run","token":"A","epoch":"e","offset":1,"messages":[]}',
      '{"type":"run","token":"A","epoch":"e","offset":1,"messages":{"y":1}}',
    ]) {
      const { events, errors } = decodeEvents(bad);
      assert.equal(events.length, 0, bad);
      assert.equal(errors.length, 1, bad);
    }
    const { events } = decodeEvents(
      '{"type":"run","token":"A","epoch":"e","offset":1,"time":"soon","dt":[0,1],"messages":[{},{}]}',
    );
    assert.deepEqual(events, [{ type: 'run', token: 'A', epoch: 'e', offset: 1, messages: [{}, {}] }]);
    const short = decodeEvents(
      '{"type":"run","token":"A","epoch":"e","offset":1,"time":3,"dt":[0],"messages":[{},{}]}',
    );
    assert.equal((short.events[0] as RunEvent).dt, undefined);
  });

  it('runAfter gives what a position lacks: all, the later part (times rebased), or nothing', () => {
    const r = run(10, 5, [100, 100, 101, 105, 109]);
    assert.equal(runAfter(r, undefined), r);
    assert.equal(runAfter(r, { epoch: 'e', offset: 9 }), r);
    assert.equal(runAfter(r, { epoch: 'other', offset: 50 }), r, 'another epoch has none of it');
    const rest = runAfter(r, { epoch: 'e', offset: 12 }) as RunEvent;
    assert.equal(rest.offset, 13);
    assert.deepEqual(rest.messages, [{ y: 13 }, { y: 14 }]);
    assert.equal(rest.time, 105);
    assert.deepEqual(rest.dt, [0, 4]);
    assert.deepEqual(runEnd(rest), { epoch: 'e', offset: 14 });
    assert.equal(runAfter(r, { epoch: 'e', offset: 14 }), null);
    assert.deepEqual(runOf({ type: 'data', token: 'A', epoch: 'e', offset: 3, time: 7, message: { y: 1 } }), {
      type: 'run',
      token: 'A',
      epoch: 'e',
      offset: 3,
      time: 7,
      messages: [{ y: 1 }],
    });
  });

  it('columns: what encodeColumnRuns sends decodes back to every message, in order, with its offset and time', () => {
    const message = fc.oneof(
      fc.record({ x: fc.integer(), y: fc.double({ noNaN: true }) }),
      fc.record({ x: fc.integer(), y: fc.integer(), z: fc.integer() }), // one key more
      fc.record({ y: fc.integer(), x: fc.integer() }), // the same keys in another order
      fc.record({ y: fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.integer()) }),
      fc.record({ 'marker.color': fc.string(), y: fc.integer() }),
      fc.constant({ y: [1, 2] }),
      fc.constant({ marker: { color: 'red' }, y: 1 }),
      fc.constant({ layout: { title: 't' } }),
      fc.constant({ y: -0 }),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.tuple(message, fc.boolean()).map(([m, spaced]) =>
              // As some producers write it: spaces between the tokens (never inside strings: JSON escapes newlines).
              spaced ? JSON.stringify(m, null, 1).replace(/\n/g, ' ') : JSON.stringify(m),
            ),
            fc.constant('{"y":1e400}'),
            fc.constant('{"__proto__":1,"y":2}'),
          ),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        fc.integer({ min: 1, max: 1000 }),
        (texts, offset) => {
          const times = texts.map((_, i) => 1000 + i * 3);
          const { events, errors } = decodeEvents(encodeFrame(encodeColumnRuns('A', 'e', offset, times, texts)));
          assert.deepEqual(errors, []);
          const got: { offset: number; time: number; message: unknown }[] = [];
          for (const event of events as RunEvent[])
            runMessages(event).forEach((message, i) =>
              got.push({ offset: event.offset + i, time: (event.time ?? 0) + (event.dt?.[i] ?? 0), message }),
            );
          assert.deepEqual(
            got,
            texts.map((text, i) => ({ offset: offset + i, time: times[i], message: parseJson(text) })),
          );
        },
      ),
    );
  });

  it('columns: same-key scalar messages go as one run with columns, shorter than the same run of messages', () => {
    const texts = Array.from({ length: 50 }, (_, i) => `{"x":${1000 + i},"y":${i % 7}}`);
    const times = texts.map(() => 5);
    const events = encodeColumnRuns('A', 'e', 1, times, texts);
    assert.equal(events.length, 1);
    assert.ok((events[0] as string).length < encodeRun('A', 'e', 1, times, texts).length * 0.7);
    const run = decodeEvents(events[0] as string).events[0] as RunEvent;
    assert.equal(run.messages, undefined);
    assert.deepEqual(run.columns, { x: texts.map((_, i) => 1000 + i), y: texts.map((_, i) => i % 7) });
    // A layout message between two stretches splits them; a lone message stays a message.
    const mixed = encodeColumnRuns(
      'A',
      'e',
      1,
      [1, 1, 1, 1, 1, 1],
      ['{"y":1}', '{"y":2}', '{"layout":{"title":"t"}}', '{"y":3}', '{"x":1,"y":4}', '{"x":2,"y":5}'],
    );
    assert.deepEqual(
      decodeEvents(encodeFrame(mixed)).events.map((e) => [
        (e as RunEvent).offset,
        (e as RunEvent).columns ? 'columns' : 'messages',
      ]),
      [
        [1, 'columns'],
        [3, 'messages'],
        [5, 'columns'],
      ],
    );
  });

  it('columns: message texts are read as written (spaces, escapes, commas and braces in strings, exponents)', () => {
    const texts = [
      ' { "y" : "a,b}\\"c" , "x":1e400 } ',
      '{"y":"\\u00e9","x":-0}',
      '{"y":"","x":1.50}',
      '{"y":"x","x":2,"z":3}', // another key: its own message
      '{"\\u0079":"escaped key","x":3}', // an escaped key: never a column
      '{"y":"q","x":4}',
    ];
    const events = encodeColumnRuns('A', 'e', 1, [1, 1, 1, 1, 1, 1], texts);
    const decoded = decodeEvents(encodeFrame(events));
    assert.deepEqual(decoded.errors, []);
    const runs = decoded.events as RunEvent[];
    assert.deepEqual(
      runs.map((r) => [r.offset, r.columns === undefined ? 'messages' : 'columns']),
      [
        [1, 'columns'],
        [4, 'messages'],
      ],
    );
    assert.deepEqual(
      runs.flatMap((r) => runMessages(r)),
      texts.map((t) => JSON.parse(t)),
    );
    assert.ok(Object.is(runs[0]?.columns?.['x']?.[1], -0), '-0 stays -0');
    assert.equal(runs[0]?.columns?.['x']?.[0], Infinity, 'as the message itself parses');
  });

  it('columns: runAfter cuts every column and the times; runEnd counts the column length', () => {
    const r = decodeEvents(
      encodeColumnRuns(
        'A',
        'e',
        10,
        [100, 100, 101, 105],
        ['{"x":1,"y":5}', '{"x":2,"y":6}', '{"x":3,"y":7}', '{"x":4,"y":8}'],
      )[0] as string,
    ).events[0] as RunEvent;
    assert.deepEqual(runEnd(r), { epoch: 'e', offset: 13 });
    const rest = runAfter(r, { epoch: 'e', offset: 11 }) as RunEvent;
    assert.deepEqual(rest.columns, { x: [3, 4], y: [7, 8] });
    assert.equal(rest.time, 101);
    assert.deepEqual(rest.dt, [0, 4]);
    assert.deepEqual(runEnd(rest), { epoch: 'e', offset: 13 });
    assert.equal(runAfter(r, { epoch: 'e', offset: 13 }), null);
  });

  it('columns: refuses columns that are not all scalar arrays of one length, or hold layout or __proto__', () => {
    const head = '{"type":"run","token":"A","epoch":"e","offset":1,"time":1,';
    for (const bad of [
      '"columns":[1,2]}',
      '"columns":{}}',
      '"columns":{"y":3}}',
      '"columns":{"y":[]}}',
      '"columns":{"x":[1,2],"y":[1]}}',
      '"columns":{"y":[1,[2]]}}',
      '"columns":{"y":[1,{"a":2}]}}',
      '"columns":{"layout":[1,2]}}',
      '"columns":{"__proto__":[1,2]}}',
    ]) {
      const { events, errors } = decodeEvents(head + bad);
      assert.equal(events.length, 0, bad);
      assert.equal(errors.length, 1, bad);
    }
    const run = decodeEvents(`${head}"dt":[0],"columns":{"y":[1,2]}}`).events[0] as RunEvent;
    assert.equal(run.dt, undefined, 'dt of another length is left out');
    assert.deepEqual(run.columns, { y: [1, 2] });
  });

  it('decodes messages without unsafe keys (__proto__, constructor, prototype) at any depth; the relay keeps such messages out of columns', () => {
    const hostile = '{"__proto__":{"polluted":1},"layout":{"constructor":{"prototype":{"polluted":1}}},"y":1}';
    const data = decodeEvents(encodeData('A', 'e', 1, 5, hostile)).events[0] as DataEvent;
    assert.deepEqual(data.message, { layout: {}, y: 1 });
    const texts = [
      '{"constructor":1,"y":2}',
      '{"constructor":1,"y":3}',
      '{"prototype":1,"y":4}',
      '{"prototype":1,"y":5}',
    ];
    const events = decodeEvents(encodeFrame(encodeColumnRuns('A', 'e', 1, [1, 1, 1, 1], texts))).events as RunEvent[];
    assert.ok(
      events.every((event) => event.columns === undefined),
      'runs of messages, not columns',
    );
    assert.deepEqual(
      events.flatMap((event) => runMessages(event)),
      [{ y: 2 }, { y: 3 }, { y: 4 }, { y: 5 }],
    );
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('positions stay exact however runs are cut and overlap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 10 })), { maxLength: 30 }),
        (runs) => {
          let position: { epoch: string; offset: number } | undefined;
          const seen: number[] = [];
          for (const [offset, count] of runs) {
            const rest = runAfter(run(offset, count), position);
            if (rest === null) continue;
            for (const m of runMessages(rest)) seen.push(m?.['y'] as number);
            position = runEnd(rest);
          }
          for (let i = 1; i < seen.length; i++)
            assert.ok((seen[i] as number) > (seen[i - 1] as number), 'no duplicate, in order');
        },
      ),
    );
  });
});
