/**
 * PageFrames: one animation frame for every chart, a budget of work a frame, turns in a fair order
 * (who waited goes first), at least one chart a frame, cancelled callbacks never run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PageFrames, type FrameSource } from '../../../src/element/page-frames.js';

/** Manual frames and a clock that the charts' work advances. */
function manualSource() {
  let clock = 0;
  let next = 1;
  const frames = new Map<number, (time: number) => void>();
  const source: FrameSource = {
    requestFrame: (callback) => {
      frames.set(next, callback);
      return next++;
    },
    cancelFrame: (handle) => void frames.delete(handle),
    now: () => clock,
  };
  return {
    source,
    /** Frames the page has asked for and not yet had. */
    pending: () => frames.size,
    /** Runs the next frame. */
    frame: () => {
      const [[handle, callback]] = [...frames] as [[number, (time: number) => void]];
      frames.delete(handle);
      callback(clock);
    },
    work: (ms: number) => (clock += ms),
  };
}

describe('PageFrames', () => {
  it('asks the browser for one frame however many charts ask', () => {
    const m = manualSource();
    const frames = new PageFrames(m.source);
    const ran: number[] = [];
    for (let i = 0; i < 50; i++) frames.request(() => ran.push(i));
    assert.equal(m.pending(), 1);
    m.frame();
    assert.equal(ran.length, 50, 'cheap draws all fit the budget');
    assert.equal(m.pending(), 0);
  });

  it("holds a frame's work to the budget; who waited goes first next frame; who drew and asks again waits its turn", () => {
    const m = manualSource();
    const frames = new PageFrames(m.source);
    frames.budgetMs = 12;
    const order: number[] = [];
    const chart = (i: number) => {
      const draw = () => {
        order.push(i);
        m.work(5); // each draw costs 5 ms
        frames.request(draw); // and there is always more to draw
      };
      frames.request(draw);
    };
    for (let i = 0; i < 5; i++) chart(i);
    m.frame();
    assert.deepEqual(order, [0, 1, 2], 'three draws reach the 12 ms budget');
    order.length = 0;
    m.frame();
    assert.deepEqual(order, [3, 4, 0], 'the two that waited first, then the next in turn');
    order.length = 0;
    m.frame();
    assert.deepEqual(order, [1, 2, 3]);
    assert.ok(frames.deferred > 0);
  });

  it('runs at least one chart a frame, however long its draw', () => {
    const m = manualSource();
    const frames = new PageFrames(m.source);
    const order: number[] = [];
    for (let i = 0; i < 3; i++)
      frames.request(() => {
        order.push(i);
        m.work(100);
      });
    m.frame();
    m.frame();
    m.frame();
    assert.deepEqual(order, [0, 1, 2]);
    assert.equal(m.pending(), 0);
  });

  it('never runs a cancelled callback, and stops asking for frames when none waits', () => {
    const m = manualSource();
    const frames = new PageFrames(m.source);
    const ran: string[] = [];
    const b = frames.request(() => ran.push('b'));
    frames.request(() => {
      ran.push('a');
      frames.cancel(c);
    });
    const c = frames.request(() => ran.push('c'));
    frames.cancel(b);
    m.frame();
    assert.deepEqual(ran, ['a']);
    const d = frames.request(() => ran.push('d'));
    frames.cancel(d);
    assert.equal(m.pending(), 0, 'the frame is given back');
    assert.equal(frames.waiting, 0);
  });
});
