/** EngineRetry: work that could not start while the engine was away runs once it is back, once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineRetry } from '../../../../src/relay/engines/engine-retry.js';
import type { Engine } from '../../../../src/relay/engines/engine.js';
import { eventually } from '../../../support/relay-clients.js';

function engineThat(health: { ok: boolean }): Engine {
  return { health: () => ({ engine: 'test', ...health }) } as unknown as Engine;
}

describe('EngineRetry', () => {
  it('runs each waiting task once the engine is healthy, the newest task of a key only, and forgets forgotten ones', async () => {
    const health = { ok: false };
    const retry = new EngineRetry<string>(engineThat(health));
    const ran: string[] = [];
    retry.wait('a', () => ran.push('a, first'));
    retry.wait('a', () => ran.push('a, second'));
    retry.wait('b', () => ran.push('b'));
    retry.wait('c', () => ran.push('c'));
    retry.forget('c');
    assert.equal(retry.size, 2);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual(ran, [], 'nothing while the engine is away');
    health.ok = true;
    await eventually(() => ran.length === 2, 'the retry');
    assert.deepEqual(ran, ['a, second', 'b']);
    assert.equal(retry.size, 0);
    retry.stop();
  });

  it('stop() drops what waits and leaves no timer running', () => {
    const retry = new EngineRetry<string>(engineThat({ ok: false }));
    retry.wait('a', () => assert.fail('must not run'));
    retry.stop();
    assert.equal(retry.size, 0);
  });
});
