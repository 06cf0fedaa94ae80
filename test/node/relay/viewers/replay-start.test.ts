/** replayStart: resume exactly when the history still holds what follows, else a reset and the window; nothing for a token never written. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { History } from '../../../../src/relay/engines/engine.js';
import { replayStart } from '../../../../src/relay/viewers/replay-start.js';

/** A history of epoch `e` holding offsets `from`..`to` (none when from > to), the last published `last`. */
function history(from: number, to: number, last = to): History {
  const entries = [];
  for (let offset = from; offset <= to; offset++) entries.push({ offset, time: offset, text: `{"y":${offset}}` });
  return { epoch: 'e', entries, lastOffset: last };
}

describe('replayStart', () => {
  it('resumes after the position when the next message is still held, or when it has everything', () => {
    assert.deepEqual(replayStart(history(5, 10), { epoch: 'e', offset: 4 }), { after: 4, reset: false });
    assert.deepEqual(replayStart(history(5, 10), { epoch: 'e', offset: 7 }), { after: 7, reset: false });
    assert.deepEqual(replayStart(history(5, 10), { epoch: 'e', offset: 10 }), { after: 10, reset: false });
  });

  it('resets to the whole window when the position is too old, ahead of the history, or of another epoch', () => {
    assert.deepEqual(replayStart(history(5, 10), { epoch: 'e', offset: 3 }), { after: 4, reset: true });
    assert.deepEqual(replayStart(history(5, 10), { epoch: 'e', offset: 11 }), { after: 4, reset: true });
    assert.deepEqual(replayStart(history(5, 10), { epoch: 'old', offset: 7 }), { after: 4, reset: true });
    assert.deepEqual(replayStart(history(5, 10), undefined), { after: 4, reset: true });
  });

  it('a token written whose history was dropped (nothing held) resets after its last offset', () => {
    assert.deepEqual(replayStart(history(1, 0, 9), undefined), { after: 9, reset: true });
    assert.deepEqual(replayStart(history(1, 0, 9), { epoch: 'e', offset: 9 }), { after: 9, reset: false });
  });

  it('nothing for a token never written, unless the viewer is at its start already', () => {
    assert.equal(replayStart(history(1, 0, 0), undefined), null);
    assert.equal(replayStart(history(1, 0, 0), { epoch: 'other', offset: 3 }), null);
    assert.deepEqual(replayStart(history(1, 0, 0), { epoch: 'e', offset: 0 }), { after: 0, reset: false });
  });
});
