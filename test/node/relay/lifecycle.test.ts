/** Lifecycle: `isClosing`, repeated work that stops on close, and shutdown steps run once, in order, all of them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lifecycle } from '../../../src/relay/lifecycle.js';
import { eventually } from '../../support/relay-clients.js';

describe('Lifecycle', () => {
  it('runs its shutdown steps once, in the order given, waiting for each; a second close gets the same end', async () => {
    const lifecycle = new Lifecycle();
    const ran: string[] = [];
    lifecycle.onClose(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      ran.push('slow first');
    });
    lifecycle.onClose(() => {
      assert.equal(lifecycle.isClosing(), true, 'closing while the steps run');
      ran.push('second');
    });
    assert.equal(lifecycle.isClosing(), false);
    const first = lifecycle.close();
    const second = lifecycle.close();
    assert.equal(first, second);
    await first;
    await lifecycle.close();
    assert.deepEqual(ran, ['slow first', 'second']);
  });

  it('a step that fails does not keep the later ones from running; close rejects with its error', async () => {
    const lifecycle = new Lifecycle();
    const ran: string[] = [];
    lifecycle.onClose(() => {
      throw new Error('the broker is gone');
    });
    lifecycle.onClose(() => void ran.push('engine closed'));
    await assert.rejects(lifecycle.close(), /the broker is gone/);
    assert.deepEqual(ran, ['engine closed']);
  });

  it('repeated work runs until close and not after; its throw is reported and it runs on', async () => {
    const lifecycle = new Lifecycle();
    let runs = 0;
    const errors: unknown[] = [];
    lifecycle.every(
      5,
      () => {
        runs++;
        if (runs === 1) throw new Error('one bad beat');
      },
      (error) => errors.push(error),
    );
    await eventually(() => runs >= 3, 'three runs');
    assert.equal(errors.length, 1);
    await lifecycle.close();
    const after = runs;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(runs, after, 'nothing runs after close');
  });
});
