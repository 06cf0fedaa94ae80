/** RunGatherer: consecutive messages of one token and epoch become one run event; anything else starts another. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunGatherer } from '../../../../src/relay/viewers/run-gatherer.js';
import { decodeEvents, type RunEvent } from '../../../../src/shared/protocol.js';

const message = (offset: number) => ({ offset, time: 1000 + offset, text: `{"y":${offset}}` });

describe('RunGatherer', () => {
  it('extends the open run only with the next message of the same token and epoch', () => {
    const runs = new RunGatherer();
    assert.equal(runs.extend('A', 'e', message(1)), false, 'nothing open');
    runs.begin('A', 'e', message(1));
    assert.equal(runs.extend('A', 'e', message(2)), true);
    assert.equal(runs.extend('A', 'e', message(4)), false, 'a gap');
    assert.equal(runs.extend('B', 'e', message(3)), false, 'another token');
    assert.equal(runs.extend('A', 'f', message(3)), false, 'another epoch');
    const events: string[] = [];
    runs.takeInto(events, false);
    const [run] = decodeEvents(`[${events.join(',')}]`).events as RunEvent[];
    assert.equal(run?.type, 'run');
    assert.equal(run?.offset, 1);
    assert.equal(run?.time, 1001);
    assert.deepEqual(run?.dt, [0, 1]);
    assert.deepEqual(run?.messages, [{ y: 1 }, { y: 2 }]);
    runs.takeInto(events, false);
    assert.equal(events.length, 1, 'taken once');
  });

  it('encodes as columns when asked, and drop() forgets the open run', () => {
    const runs = new RunGatherer();
    runs.begin('A', 'e', message(1));
    runs.extend('A', 'e', message(2));
    const events: string[] = [];
    runs.takeInto(events, true);
    assert.match(events.join(), /"columns":\{"y":\[1,2\]\}/);
    runs.begin('A', 'e', message(3));
    runs.drop();
    runs.takeInto(events, true);
    assert.equal(events.length, 1);
  });
});
