import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEvents, formatPositions, parsePositions, subscribeUrl } from '../../../src/shared/protocol.js';

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

describe('subscribeUrl', () => {
  it('maps http to ws and back, keeps a path prefix, repeats tokens and resume', () => {
    const positions = new Map([['A', { epoch: 'e', offset: 3 }]]);
    assert.equal(
      subscribeUrl('http://relay.test:8080/base/', ['A', 'B'], positions, 'ws').href,
      'ws://relay.test:8080/base/subscribe?token=A&token=B&resume=A%3Ae%3A3',
    );
    assert.equal(subscribeUrl('wss://relay.test', ['A'], new Map(), 'http').href, 'https://relay.test/subscribe?token=A');
    assert.equal(subscribeUrl('https://relay.test', ['A'], new Map(), 'ws').protocol, 'wss:');
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
