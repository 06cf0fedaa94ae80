import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TOKEN_OVERHEAD_BYTES } from '../../../../src/relay/constants.js';
import { MemoryEngine } from '../../../../src/relay/engines/memory-engine.js';
import { Metrics } from '../../../../src/relay/metrics.js';

describe('memory engine bounds', () => {
  it('forgets a token only listened to as soon as its last listener stops', () => {
    const engine = new MemoryEngine({ messages: 10, bytes: 1e6 });
    const a = engine.listen('watched', () => undefined);
    const b = engine.listen('watched', () => undefined);
    engine.history('watched');
    assert.equal(engine.tokenCount, 1);
    a.stop();
    assert.equal(engine.tokenCount, 1, 'a listener is left');
    b.stop();
    assert.equal(engine.tokenCount, 0);
    engine.close();
  });

  it('forgets a token nobody wrote or read for the TTL, never one with a listener', () => {
    const engine = new MemoryEngine({ messages: 10, bytes: 1e6, tokenTtlMs: 60_000 });
    const now = Date.now();
    engine.publish('old', '{"y":1}', now - 50_000);
    engine.publish('read', '{"y":1}', now - 50_000);
    engine.publish('watched', '{"y":1}', now - 50_000);
    const listening = engine.listen('watched', () => undefined);
    engine.history('read'); // read now: kept for another TTL
    engine.sweep(now);
    assert.equal(engine.tokenCount, 3);
    engine.sweep(now + 20_000);
    assert.deepEqual(
      ['old', 'read', 'watched'].map((t) => engine.size(t).messages),
      [0, 1, 1],
    );
    engine.sweep(now + 120_000);
    assert.deepEqual(
      ['read', 'watched'].map((t) => engine.size(t).messages),
      [0, 1],
      'a token with a listener stays',
    );
    const epoch = engine.history('watched').epoch;
    listening.stop();
    engine.sweep(Date.now() + 120_000);
    assert.equal(engine.tokenCount, 0);
    assert.notEqual(engine.history('watched').epoch, epoch, 'a forgotten token starts a new epoch');
    assert.equal(engine.totalBytes, 0);
    engine.close();
  });

  it('keeps all histories within the total: the least recently written goes, a watched one keeps its epoch', () => {
    const O = TOKEN_OVERHEAD_BYTES; // what holding a token costs besides its messages
    const engine = new MemoryEngine({ messages: 100, bytes: 1e6, totalBytes: 3 * O + 300 });
    const text = `{"t":"${'x'.repeat(92)}"}`; // 100 bytes
    const heard: number[] = [];
    engine.listen('a', (_epoch, m) => heard.push(m.offset));
    const epochA = engine.history('a').epoch;
    engine.publish('a', text, 1);
    engine.publish('b', text, 2);
    engine.publish('c', text, 3);
    assert.equal(engine.totalBytes, 3 * O + 300);
    engine.publish('b', text, 4); // b is now the most recent; a is the least
    assert.equal(engine.totalBytes, 3 * O + 300);
    assert.deepEqual(
      ['a', 'b', 'c'].map((t) => engine.size(t).messages),
      [0, 2, 1],
    );
    const a = engine.history('a');
    assert.equal(a.epoch, epochA, 'a is watched: its epoch and offsets stay');
    assert.equal(a.lastOffset, 1);
    engine.publish('a', text, 5);
    assert.equal(engine.history('a').lastOffset, 2);
    assert.deepEqual(heard, [1, 2]);
    // One token alone over the total keeps at least its newest message.
    engine.publish('big', `{"t":"${'x'.repeat(5000)}"}`, 6);
    assert.equal(engine.size('big').messages, 1);
    engine.close();
  });

  it('a flood of tiny tokens is bounded by the total too: each token costs its overhead, the oldest go', () => {
    const total = 100 * 1024;
    const engine = new MemoryEngine({ messages: 100, bytes: 1e6, totalBytes: total });
    for (let i = 0; i < 100_000; i++) engine.publish(`tiny-${i}`, '{"y":1}', i);
    assert.ok(engine.totalBytes <= total, `${engine.totalBytes} <= ${total}`);
    assert.ok(engine.tokenCount <= total / TOKEN_OVERHEAD_BYTES, `${engine.tokenCount} tokens held`);
    assert.equal(engine.size('tiny-99999').messages, 1, 'the newest are kept');
    assert.equal(engine.size('tiny-0').messages, 0, 'the oldest are gone');
    // Viewers of never-written tokens cost their overhead while they watch, nothing after.
    const watching = Array.from({ length: 10 }, (_, i) => engine.listen(`watched-${i}`, () => undefined));
    const held = engine.totalBytes;
    for (const listening of watching) listening.stop();
    assert.equal(engine.totalBytes, held - 10 * TOKEN_OVERHEAD_BYTES);
    engine.close();
  });
});

describe('metrics bounds', () => {
  it('tokens counted without a connection (MQTT topics) are bounded as idle tokens are', () => {
    const metrics = new Metrics(3);
    for (let i = 0; i < 1000; i++) metrics.token(`topic-${i}`).messagesIn++;
    assert.equal(metrics.tokenCount, 3);
  });

  it('keeps counters of at most maxTokens idle tokens, forgetting the least recently connected', () => {
    const metrics = new Metrics(3);
    const active = metrics.connected('active');
    active.subscribers++;
    for (let i = 0; i < 10; i++) metrics.connected(`idle${i}`);
    assert.equal(metrics.tokenCount, 3);
    assert.deepEqual(
      [...metrics.tokens()].map(([t]) => t),
      ['active', 'idle8', 'idle9'],
      'a token with a subscriber stays however old',
    );
    // Tokens with subscribers stay however many; a scrape lists the most recent few.
    for (let i = 0; i < 5; i++) metrics.connected(`busy${i}`).subscribers++;
    const json = metrics.toJSON(() => ({ messages: 0, bytes: 0 }));
    assert.deepEqual(Object.keys(json.tokens), ['busy2', 'busy3', 'busy4']);
    assert.equal(json.tokensUnlisted, 3, 'active, busy0 and busy1 are left out of the scrape');
    metrics.refuse('origin');
    metrics.refuse('origin');
    assert.match(
      metrics.toPrometheus(() => ({ messages: 0, bytes: 0 })),
      /^plotly_stream_refused_total\{reason="origin"\} 2$/m,
    );
  });
});
