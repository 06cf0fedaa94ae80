/**
 * PageFrames: one animation frame for every chart, a budget of work a frame, turns in a fair order
 * (who waited goes first; among those who ask, who drew longest ago), at least one chart a frame,
 * cancelled callbacks never run; the budget shrinks while the page's frames run past 1/30 s and comes back when they do not; it grows past
 * budgetMs, to a display frame's 16.7 ms, only where the page misses 1/60 s anyway; while the page
 * scrolls, frames aim at 25 ms.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FRAME_TARGET_MS,
  PageFrames,
  SCROLL_FRAME_TARGET_MS,
  type FrameSource,
} from '../../../src/element/page-frames.js';

/** Manual frames and a clock that the charts' work advances. */
function manualSource() {
  let clock = 0;
  let scrolled = -Infinity;
  let next = 1;
  const frames = new Map<number, (time: number) => void>();
  const source: FrameSource = {
    requestFrame: (callback) => {
      frames.set(next, callback);
      return next++;
    },
    cancelFrame: (handle) => void frames.delete(handle),
    now: () => clock,
    scrolledAt: () => scrolled,
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
    /** A scroll event now. */
    scroll: () => (scrolled = clock),
  };
}

/** `count` charts whose draws cost `drawMs` and that always have more to draw; `work(n)` adds n more. */
function endlessCharts(m: ReturnType<typeof manualSource>, frames: PageFrames, count: number, drawMs: number) {
  let drawnThisFrame = 0;
  const work = (n: number) => {
    for (let i = 0; i < n; i++) {
      const draw = () => {
        drawnThisFrame++;
        m.work(drawMs);
        frames.request(draw);
      };
      frames.request(draw);
    }
  };
  work(count);
  return {
    work,
    /** A frame, then `browserMs` of the browser's own work (style, layout, paint) before the next: the charts drawn in it. */
    frame: (browserMs: number) => {
      drawnThisFrame = 0;
      m.frame();
      m.work(browserMs);
      return drawnThisFrame;
    },
  };
}

/** The last ten frames of `counts` (draws of `drawMs`, then `browserMs` of the browser's) last `target` ms, within 2. */
function assertFramesNear(counts: number[], drawMs: number, browserMs: number, target: number, what: string) {
  const lengths = counts.slice(-10).map((n) => n * drawMs + browserMs);
  for (const length of lengths) assert.ok(Math.abs(length - target) <= 2, `${what}: ${lengths}`);
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
  });

  it("the chart that drew longest ago goes first, whenever it asked: charts ask as their data arrives, in the connection's order", () => {
    const m = manualSource();
    const frames = new PageFrames(m.source);
    frames.budgetMs = 10;
    const turns: number[][] = [];
    const draws = [0, 1, 2, 3].map((i) => () => {
      turns.at(-1)?.push(i);
      m.work(5); // two draws a frame
    });
    const frame = () => {
      turns.push([]);
      m.frame();
    };
    // Their first data arrives last chart first; after that, each frame's draws get their next
    // data in the connection's order (chart 0's first).
    for (const i of [3, 2, 1, 0]) frames.request(draws[i]!);
    for (let n = 0; n < 6; n++) {
      frame();
      for (const i of [...turns.at(-1)!].sort((a, b) => a - b)) frames.request(draws[i]!);
    }
    assert.deepEqual(turns, [
      [3, 2],
      [1, 0],
      [3, 2],
      [1, 0],
      [3, 2],
      [1, 0],
    ]);
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

  it("shrinks the budget while the page's frames run long (the browser's own work), down to one chart a frame, and gives it back", () => {
    const m = manualSource();
    const frames = new PageFrames(m.source);
    const { frame } = endlessCharts(m, frames, 50, 2);
    assert.equal(frame(5), 6, '12 ms of 2 ms draws');
    // A page whose browser work alone is 40 ms a frame (scrolling a wall of charts): the frames last
    // longer than 1/30 s whatever the charts do, so the charts' share goes down to one a frame.
    const counts = Array.from({ length: 12 }, () => frame(40));
    assert.ok(counts[0]! > counts.at(-1)!, `fewer draws a frame as frames stay long: ${counts}`);
    assert.deepEqual(counts.slice(-3), [1, 1, 1], 'one chart a frame, never none');
    // The browser's work drops (scrolling stopped) to what leaves the budget room in a 1/60 s frame:
    // the budget comes back, no higher than budgetMs (once the frames' average says so).
    const after = Array.from({ length: 40 }, () => frame(4));
    assert.deepEqual(after.slice(-3), [6, 6, 6]);
    // With room to grow, frames settle at the target length.
    frames.budgetMs = 30;
    const settled = Array.from({ length: 40 }, () => frame(10));
    assertFramesNear(settled, 2, 10, FRAME_TARGET_MS, 'frames near 1/30 s');
  });

  it('keeps 60 frames a second where the budget leaves room for it; where it does not, the charts take a display frame of each', () => {
    const m = manualSource();
    const frames = new PageFrames(m.source);
    const { frame } = endlessCharts(m, frames, 50, 2);
    // 4 ms of the browser's own work and 12 of charts fit a 16.7 ms frame: the budget holds.
    const fast = Array.from({ length: 40 }, () => frame(4));
    assert.ok(
      fast.every((n) => n === 6),
      `12 ms of charts a frame, no more: ${fast}`,
    );
    // 10 ms of its own: with 12 of charts the frame misses 1/60 s anyway (a slower machine, or
    // more to paint), and the charts take 16.7 ms of each frame (nine 2 ms draws), not 12.
    const slow = Array.from({ length: 20 }, () => frame(10));
    assert.deepEqual(slow.slice(-3), [9, 9, 9], `a display frame of charts: ${slow}`);
    // 20 ms of its own: 16.7 of charts would pass 1/30 s, so they take what leaves frames near it.
    const slower = Array.from({ length: 40 }, () => frame(20));
    assertFramesNear(slower, 2, 20, FRAME_TARGET_MS, 'frames near 1/30 s');
    // Back to a page that keeps 60 frames a second with the budget: it keeps them again.
    const back = Array.from({ length: 40 }, () => frame(4));
    assert.deepEqual(back.slice(-3), [6, 6, 6]);
  });

  it('aims frames at 1/40 s while the page scrolls, and at 1/30 s again once it stops', () => {
    const m = manualSource();
    const frames = new PageFrames(m.source);
    frames.budgetMs = 30;
    const { frame } = endlessCharts(m, frames, 50, 2);
    const still = Array.from({ length: 40 }, () => frame(10));
    assertFramesNear(still, 2, 10, FRAME_TARGET_MS, 'frames near 1/30 s');
    const scrolling = Array.from({ length: 40 }, () => {
      m.scroll();
      return frame(10);
    });
    assertFramesNear(scrolling, 2, 10, SCROLL_FRAME_TARGET_MS, 'frames near 25 ms');
    const after = Array.from({ length: 40 }, () => frame(10));
    assertFramesNear(after, 2, 10, FRAME_TARGET_MS, 'frames near 1/30 s again');
  });

  it('does not count idle time as a long frame; a lower budgetMs is in force at once', () => {
    const m = manualSource();
    const frames = new PageFrames(m.source);
    const { frame, work } = endlessCharts(m, frames, 0, 2);
    frames.request(() => m.work(1));
    frame(0);
    m.work(500); // nothing asked for a frame: idle, the charts' data still to come
    work(50); // fifty charts get data at once
    assert.equal(frame(5), 6, 'the whole budget: the idle half second was not a frame');
    frames.budgetMs = 4;
    assert.equal(frame(5), 2);
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
  });
});
