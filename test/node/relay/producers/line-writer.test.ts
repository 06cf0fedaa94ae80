import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../../../../src/relay/access/rate-limit.js';
import type { Engine } from '../../../../src/relay/engines/engine.js';
import { MemoryEngine } from '../../../../src/relay/engines/memory-engine.js';
import { Metrics } from '../../../../src/relay/metrics.js';
import { LineWriter } from '../../../../src/relay/producers/line-writer.js';

const counters = (metrics: Metrics, token: string) => {
  const { messagesIn, rejected, notStored, rateLimited } = metrics.token(token);
  return { messagesIn, rejected, notStored, rateLimited };
};

describe('LineWriter: one path from a line to the engine', () => {
  it('heartbeats, rejected lines, stored messages and the rate limit, each counted for /metrics', () => {
    const engine = new MemoryEngine({ messages: 100, bytes: 1e6 });
    const metrics = new Metrics();
    const writer = new LineWriter(engine, new RateLimiter(2), metrics);
    assert.deepEqual(writer.write('A', '   '), { kind: 'heartbeat' });
    assert.equal(writer.write('A', 'not json').kind, 'rejected');
    assert.deepEqual(writer.write('A', ' {"y": 1} '), { kind: 'accepted', stored: undefined });
    assert.deepEqual(writer.write('A', '{"y": 2}'), { kind: 'accepted', stored: undefined });
    assert.deepEqual(writer.write('A', '{"y": 3}'), { kind: 'rate-limited' });
    writer.rejected('A', 'line-too-long');
    assert.deepEqual(counters(metrics, 'A'), { messagesIn: 2, rejected: 2, notStored: 0, rateLimited: 1 });
    assert.deepEqual(
      engine.history('A').entries.map((e) => e.text),
      ['{"y": 1}', '{"y": 2}'],
      'stored as sent, trimmed',
    );
  });

  it('an asynchronous engine: counted when stored, or not stored (a store that fails, an engine that throws)', async () => {
    let fail = false;
    const engine = {
      publish: () => {
        if (fail) throw new Error('exploded');
        return Promise.resolve();
      },
    } as unknown as Engine;
    const metrics = new Metrics();
    const writer = new LineWriter(engine, new RateLimiter(0), metrics);
    const stored = writer.write('B', '{"y": 1}');
    assert.equal(stored.kind, 'accepted');
    await (stored as { stored: Promise<void> }).stored;
    fail = true;
    const thrown = writer.write('B', '{"y": 2}') as { kind: string; stored: Promise<void> };
    assert.equal(thrown.kind, 'accepted');
    await assert.rejects(thrown.stored, /exploded/);
    assert.deepEqual(counters(metrics, 'B'), { messagesIn: 1, rejected: 0, notStored: 1, rateLimited: 0 });
  });
});
