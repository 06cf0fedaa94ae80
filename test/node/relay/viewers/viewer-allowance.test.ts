/** ViewerAllowance: a viewer's own limit, a replay allowed past it until read down, and the relay's budget asked at each write. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteBudget } from '../../../../src/relay/byte-budget.js';
import { ViewerAllowance } from '../../../../src/relay/viewers/viewer-allowance.js';

const viewer = (held = 0) => {
  const cut: string[] = [];
  return { member: { bufferedBytes: held, cutOff: (why: string) => cut.push(why) }, cut };
};

describe('ViewerAllowance', () => {
  it('past its own limit a viewer is too slow', () => {
    const allowance = new ViewerAllowance(100, null, viewer().member);
    assert.equal(allowance.check(100, 100), 'ok');
    assert.equal(allowance.check(101, 101), 'too-slow');
  });

  it("a replay's bytes are allowed past the limit until the viewer has read down to it", () => {
    const allowance = new ViewerAllowance(100, null, viewer().member);
    assert.equal(allowance.check(500, 500, 500), 'ok', 'a replay of 500 bytes');
    assert.equal(allowance.check(550, 500), 'ok', 'live bytes on top of the unread replay');
    assert.equal(allowance.check(601, 600), 'too-slow', 'past the limit and the replay');
    assert.equal(allowance.check(90, 80), 'ok', 'read down: the limit alone holds');
    assert.equal(allowance.check(150, 150), 'too-slow');
  });

  it('asks the relay budget at each write; past it the viewer holding the most is cut off, and leave() frees its share', () => {
    const budget = new ByteBudget(1000, { reason: () => 'the relay holds too much' });
    const greedy = viewer(900);
    const allowance = new ViewerAllowance(10_000, budget, greedy.member);
    assert.equal(allowance.check(900, 900), 'ok');
    greedy.member.bufferedBytes = 1200;
    assert.equal(allowance.check(1200, 1200), 'cut');
    assert.deepEqual(greedy.cut, ['the relay holds too much']);
    const next = new ViewerAllowance(10_000, budget, viewer(500).member);
    allowance.leave();
    assert.equal(next.check(500, 500), 'ok');
    assert.equal(budget.total, 500);
  });
});
