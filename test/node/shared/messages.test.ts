import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  flattenPaths,
  isValidToken,
  MAX_MESSAGE_DEPTH,
  parseJson,
  parseLine,
  UNSAFE_KEYS,
  textNestsDeeperThan,
  valueNestsDeeperThan,
  visitMessage,
  type MessageVisitor,
  keyRule,
  notAColumn,
} from '../../../src/shared/messages.js';

function visit(message: Record<string, unknown>) {
  const seen: string[] = [];
  const visitor: MessageVisitor = {
    append: (path, value) => seen.push(`append ${path}=${JSON.stringify(value)}`),
    overwrite: (path, values) => seen.push(`overwrite ${path}=${JSON.stringify(values)}`),
    layout: (update) => seen.push(`layout ${JSON.stringify(update)}`),
    unknownKey: (path) => seen.push(`unknown ${path}`),
    badLayout: () => seen.push('bad-layout'),
  };
  visitMessage(message, visitor);
  return seen;
}

describe('message rules', () => {
  it('scalars of per-point keys append, arrays overwrite, in key order', () => {
    assert.deepEqual(visit({ x: 1, y: [1, 2], text: 'a' }), ['append x=1', 'overwrite y=[1,2]', 'append text="a"']);
  });

  it('nested and dotted per-point keys are the same key', () => {
    assert.deepEqual(visit({ marker: { color: 3, size: [1, 2] }, 'marker.symbol': 'x' }), [
      'append marker.color=3',
      'overwrite marker.size=[1,2]',
      'append marker.symbol="x"',
    ]);
  });

  it('layout is flattened to dotted paths with arrays as leaves', () => {
    assert.deepEqual(visit({ layout: { title: { text: 'T' }, xaxis: { range: [0, 1] } } }), [
      'layout {"title.text":"T","xaxis.range":[0,1]}',
    ]);
  });

  it('a layout that is not an object is reported alone; the rest applies', () => {
    assert.deepEqual(visit({ layout: 3, y: 1 }), ['bad-layout', 'append y=1']);
  });

  it('scalars of keys that take no per-point data are reported, not appended', () => {
    assert.deepEqual(visit({ y: 1, name: 'n', t: 5 }), ['append y=1', 'unknown name', 'unknown t']);
  });

  it('null appends a gap, as Plotly draws it', () => {
    assert.deepEqual(visit({ y: null }), ['append y=null']);
  });

  it('flattenPaths', () => {
    assert.deepEqual(flattenPaths({ a: { b: { c: 1 } }, d: [1, { e: 2 }] }), { 'a.b.c': 1, d: [1, { e: 2 }] });
  });
});

describe('keyRule: what each key asks for, the one statement of the rules', () => {
  it('unsafe keys at any depth, top-level layout only, per-point paths, the rest unknown', () => {
    assert.equal(keyRule('__proto__', '__proto__'), 'unsafe');
    assert.equal(keyRule('constructor', 'marker.constructor'), 'unsafe');
    assert.equal(keyRule('layout', 'layout'), 'layout');
    assert.equal(keyRule('layout', 'marker.layout'), 'unknown', 'only the top-level key is the layout');
    assert.equal(keyRule('y', 'y'), 'per-point');
    assert.equal(keyRule('color', 'marker.color'), 'per-point');
    assert.equal(keyRule('name', 'name'), 'unknown');
  });

  it('notAColumn: a run never carries layout or an unsafe key as a column; per-point and unknown keys may', () => {
    assert.deepEqual(['layout', '__proto__', 'prototype', 'y', 'x', 'name'].map(notAColumn), [
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('parseLine', () => {
  it('a blank line is a heartbeat', () => {
    assert.deepEqual(parseLine(''), { kind: 'heartbeat' });
    assert.deepEqual(parseLine(' \r'), { kind: 'heartbeat' });
  });

  it('parses an object', () => {
    assert.deepEqual(parseLine('{"x": 1, "y": 2}'), { kind: 'message', message: { x: 1, y: 2 } });
  });

  it('rejects invalid JSON with the reason and a short preview', () => {
    const result = parseLine(`{"x": 1,${' '.repeat(500)}`);
    assert.equal(result.kind, 'rejected');
    if (result.kind !== 'rejected') return;
    assert.equal(result.error.code, 'invalid-json');
    assert.match(result.error.message, /not valid JSON/);
    assert.ok(result.error.message.length < 300);
  });

  it('rejects JSON that is not an object', () => {
    for (const [line, type] of [
      ['[1,2]', 'an array'],
      ['3', 'a number'],
      ['"s"', 'a string'],
      ['null', 'null'],
    ]) {
      const result = parseLine(line as string);
      assert.equal(result.kind, 'rejected');
      if (result.kind === 'rejected') {
        assert.equal(result.error.code, 'not-an-object');
        assert.match(result.error.message, new RegExp(type as string));
      }
    }
  });
});

describe('nesting depth', () => {
  const nested = (depth: number, inner = '1') => `{"a":${'['.repeat(depth - 1)}${inner}${']'.repeat(depth - 1)}}`;

  it(`rejects a line nested more than ${MAX_MESSAGE_DEPTH} deep with too-deep, and a 100k-deep one without a throw`, () => {
    const ok = parseLine(nested(MAX_MESSAGE_DEPTH).padEnd(200));
    assert.equal(ok.kind, 'message');
    for (const line of [
      nested(MAX_MESSAGE_DEPTH + 1),
      nested(100_000),
      `{"a":${'{"b":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
    ]) {
      const result = parseLine(line);
      assert.equal(result.kind, 'rejected');
      if (result.kind === 'rejected') {
        assert.equal(result.error.code, 'too-deep');
        assert.match(result.error.message, /more than 32 levels/);
      }
    }
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const brackets = '[{'.repeat(100);
    assert.equal(textNestsDeeperThan(`{"a":"${brackets}"}`, 2), false);
    // JSON {"a":"\\"}: an escaped backslash, then the string ends.
    assert.equal(textNestsDeeperThan(`{"a":"\\\\"}`, 1), false);
    // JSON {"a":"\"[{[{…"}: an escaped quote does not end the string.
    assert.equal(textNestsDeeperThan(`{"a":"\\"${brackets}"}`, 2), false);
    assert.equal(textNestsDeeperThan(`{"a":"\\\\",${'['.repeat(3)}`, 3), true);
    assert.equal(parseLine(`{"text":"${brackets}"}`).kind, 'message');
  });

  it('measures objects as deep as their text', () => {
    for (const depth of [1, 2, 5, MAX_MESSAGE_DEPTH, MAX_MESSAGE_DEPTH + 1]) {
      const text = nested(depth);
      assert.equal(
        valueNestsDeeperThan(JSON.parse(text), MAX_MESSAGE_DEPTH),
        textNestsDeeperThan(text, MAX_MESSAGE_DEPTH),
        text,
      );
    }
    assert.equal(valueNestsDeeperThan({ z: new Float64Array(4) }, 1), false);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    assert.equal(valueNestsDeeperThan(deep, MAX_MESSAGE_DEPTH), true);
  });
});

describe('tokens', () => {
  it('accepts URL-safe tokens and refuses others', () => {
    for (const token of ['ab3dk4FBDd', 'a', 'sensor_1.temp-2~x']) assert.ok(isValidToken(token), token);
    for (const token of ['', 'a b', 'a:b', 'a,b', 'é', 'x'.repeat(129), 3, null])
      assert.ok(!isValidToken(token), String(token));
  });
});

describe('message rules, for any input (fast-check)', () => {
  const visitor: MessageVisitor = {
    append: () => undefined,
    overwrite: () => undefined,
    layout: () => undefined,
    unknownKey: () => undefined,
    badLayout: () => undefined,
  };

  it('parseLine gives a message, a heartbeat or a reported rejection for any text, never a throw', () => {
    const line = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.json({ maxDepth: 6 }),
      fc.jsonValue({ maxDepth: 40 }).map((v) => JSON.stringify(v)),
      fc.integer({ min: 0, max: 5000 }).map((n) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`),
    );
    fc.assert(
      fc.property(line, (text) => {
        const parsed = parseLine(text);
        if (parsed.kind === 'rejected') {
          assert.ok(['invalid-json', 'not-an-object', 'too-deep'].includes(parsed.error.code));
          assert.ok(parsed.error.message.length < 400, 'a rejection never echoes a whole line');
        } else if (parsed.kind === 'message') {
          // What passes can be walked: the rules never throw on it.
          visitMessage(parsed.message, visitor);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('visitMessage walks any object within the depth limit, __proto__ keys included, without a throw', () => {
    const object = fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 10 }), { maxKeys: 10 });
    fc.assert(
      fc.property(object, (value) => {
        const text = JSON.stringify(value);
        const withProto = `{"__proto__":{"x":1}${text === '{}' ? '}' : `,${text.slice(1)}`}`;
        const message = JSON.parse(withProto) as Record<string, unknown>;
        if (!valueNestsDeeperThan(message, MAX_MESSAGE_DEPTH)) visitMessage(message, visitor);
        assert.equal(({} as Record<string, unknown>)['x'], undefined, 'no prototype was changed');
      }),
      { numRuns: 300 },
    );
  });
});

describe('unsafe keys (__proto__, constructor, prototype): never in a decoded message, never merged', () => {
  const polluted = () => ({}) as Record<string, unknown>;
  const hostile = [
    '{"__proto__":{"polluted":1},"y":1}',
    '{"layout":{"__proto__":{"polluted":1}},"y":1}',
    '{"layout":{"constructor":{"prototype":{"polluted":1}}},"y":1}',
    '{"marker":{"__proto__":{"polluted":1},"color":"red"},"y":1}',
    '{"\\u005f_proto__":{"polluted":1},"y":1}', // an escape that spells it
    '{"layout":{"xaxis":{"__proto__":[1,2]}},"y":[{"__proto__":{"polluted":1}}]}',
  ];

  it('parseJson drops them at any depth, escaped or not, and keeps everything beside them', () => {
    for (const text of hostile) {
      const value = parseJson(text) as Record<string, unknown>;
      const keys: string[] = [];
      JSON.stringify(value, (key, v: unknown) => (keys.push(key), v));
      for (const key of UNSAFE_KEYS) assert.ok(!keys.includes(key), `${text} kept ${key}`);
      assert.ok('y' in value, text);
    }
    assert.deepEqual(parseJson('{"layout":{"constructor":{"prototype":1},"title":"t"}}'), { layout: { title: 't' } });
    // Text that cannot spell one is parsed as it is.
    assert.deepEqual(parseJson('{"x":"construct","y":1}'), { x: 'construct', y: 1 });
  });

  it('parseLine gives messages without them (the relay still stores the line as it was sent)', () => {
    for (const text of hostile) {
      const parsed = parseLine(text);
      assert.equal(parsed.kind, 'message');
      assert.equal(Object.hasOwn((parsed as { message: object }).message, '__proto__'), false);
    }
  });

  it('visitMessage reports them as unknown keys and merges nothing through them; flattenPaths leaves them out', () => {
    // As write() may be given them: an object whose own keys are unsafe (JSON.parse without a filter).
    const message = JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"y":1}');
    assert.deepEqual(visit(message), ['unknown __proto__', 'unknown constructor', 'append y=1']);
    const layout = JSON.parse('{"layout":{"__proto__":{"polluted":1},"constructor":{"prototype":{"p":1}},"a":1}}');
    assert.deepEqual(visit(layout), ['layout {"a":1}']);
    assert.deepEqual(flattenPaths(JSON.parse('{"a":{"__proto__":[1]},"b":{"prototype":2,"c":3}}')), { 'b.c': 3 });
    assert.equal(polluted()['polluted'], undefined);
  });
});
