import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryEngine } from '../../../src/relay/engine.js';

describe('MemoryEngine', () => {
  it('numbers messages from 1 per token, bounds history by count and bytes, tells listeners in order', () => {
    const engine = new MemoryEngine({ messages: 3, bytes: 1000 });
    const seen: number[] = [];
    engine.listen('A', (_epoch, m) => seen.push(m.offset));
    for (let i = 1; i <= 5; i++) engine.publish('A', `{"y":${i}}`);
    engine.publish('B', '{"y":1}');
    const history = engine.history('A');
    assert.deepEqual(
      history.entries.map((m) => m.offset),
      [3, 4, 5],
    );
    assert.equal(history.lastOffset, 5);
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    assert.equal(engine.history('B').entries[0]?.offset, 1);
    assert.notEqual(engine.history('A').epoch, '');
    const bytes = new MemoryEngine({ messages: 100, bytes: 20 });
    for (let i = 0; i < 10; i++) bytes.publish('A', '{"y":123456}');
    assert.equal(bytes.size('A').messages, 1);
    assert.ok(bytes.size('A').bytes <= 20);
  });

  it('stays correct through compaction of a long stream', () => {
    const engine = new MemoryEngine({ messages: 10, bytes: 1e9 });
    for (let i = 1; i <= 5000; i++) engine.publish('A', `{"y":${i}}`);
    assert.deepEqual(
      engine.history('A').entries.map((m) => m.offset),
      Array.from({ length: 10 }, (_, i) => 4991 + i),
    );
  });

  it('an empty token has an epoch and no history', () => {
    const history = new MemoryEngine({ messages: 1, bytes: 1 }).history('none');
    assert.equal(history.lastOffset, 0);
    assert.deepEqual(history.entries, []);
    assert.match(history.epoch, /^[A-Za-z0-9_-]+$/);
  });
});
