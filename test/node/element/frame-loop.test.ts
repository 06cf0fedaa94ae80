import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameLoop, type FrameScheduler } from '../../../src/element/frame-loop.js';
import { ManualFrames } from '../../support/manual-frames.js';

function busyLoop(maxFps: number, frames: ManualFrames) {
  let draws = 0;
  const loop = new FrameLoop(
    () => {
      draws++;
      return true; // always more work: the loop's pacing alone decides
    },
    maxFps,
    frames,
  );
  loop.schedule();
  return { loop, draws: () => draws };
}

describe('FrameLoop', () => {
  for (const [hz, fps, expected] of [
    [60, 20, 20],
    [60, 30, 30],
    [60, 60, 60],
    [144, 20, 20],
    [120, 24, 24],
    [60, 100, 60],
  ] as const) {
    it(`draws ${expected} times in one second of ${hz} Hz frames at max-fps ${fps}`, () => {
      const frames = new ManualFrames(1000 / hz);
      const { draws } = busyLoop(fps, frames);
      frames.ticks(hz);
      assert.ok(Math.abs(draws() - expected) <= 1, `drew ${draws()}`);
    });
  }

  for (const [name, intervals] of [
    ['jittery 60 Hz frames (14/19 ms)', [14, 19.33]],
    ['slow 18 ms frames', [18]],
    ['frames that vary from 10 to 25 ms', [10, 25, 16, 12, 21, 17]],
  ] as const) {
    it(`keeps 20 fps at max-fps 20 with ${name}, never more`, () => {
      let time = 0;
      let draws = 0;
      const callbacks: Array<(t: number) => void> = [];
      const scheduler = { request: (cb: (t: number) => void) => callbacks.push(cb), cancel: () => undefined };
      const loop = new FrameLoop(
        () => {
          draws++;
          return true;
        },
        20,
        scheduler,
      );
      loop.schedule();
      for (let i = 0; time < 10_000; i++) {
        time += intervals[i % intervals.length] as number;
        const due = callbacks.splice(0);
        for (const cb of due) cb(time);
      }
      assert.ok(draws >= 195 && draws <= 201, `drew ${draws} in 10 s`);
    });
  }

  it('requests no frame when there is no work, and one when scheduled', () => {
    const frames = new ManualFrames();
    let draws = 0;
    const loop = new FrameLoop(
      () => {
        draws++;
        return false;
      },
      20,
      frames,
    );
    assert.equal(frames.pending, 0);
    loop.schedule();
    loop.schedule();
    assert.equal(frames.pending, 1);
    frames.ticks(10);
    assert.equal(draws, 1);
    assert.equal(frames.pending, 0);
  });

  it('a frame where the draw was busy does not count against max-fps', () => {
    const frames = new ManualFrames();
    let calls = 0;
    let draws = 0;
    const loop = new FrameLoop(
      () => {
        calls++;
        if (calls % 2 === 0) return 'busy'; // every other attempt finds the last draw unfinished
        draws++;
        return true;
      },
      20,
      frames,
    );
    loop.schedule();
    frames.ticks(600);
    assert.ok(draws >= 180, `drew ${draws} in 10 s`);
  });

  /**
   * A loop on `frames` (through `scheduler`) that draws when `work.pending`, and reports `idle`
   * otherwise; draw times in `drawnAt`. `drawThenIdle()` draws the pending work, then, 50 ms on,
   * runs the check frame that finds nothing.
   */
  function workLoop(frames: ManualFrames, scheduler: FrameScheduler = frames) {
    const work = { pending: true, drawnAt: [] as number[] };
    const loop = new FrameLoop(
      (time) => {
        if (!work.pending) return 'idle';
        work.pending = false;
        work.drawnAt.push(time);
        return false;
      },
      20,
      scheduler,
    );
    const drawThenIdle = () => {
      loop.schedule();
      frames.ticks(3);
      loop.schedule(); // the check frame after a draw
      frames.ticks(1);
    };
    return { loop, work, drawThenIdle };
  }

  it('a frame with nothing to draw after all (idle) does not delay the next draw, and ends the loop', () => {
    const frames = new ManualFrames(1000 / 60);
    // Without `soon`: work after an idle frame waits for the next frame.
    const { loop, work } = workLoop(frames, { request: (c) => frames.request(c), cancel: (h) => frames.cancel(h) });
    loop.schedule();
    frames.ticks(1);
    assert.equal(work.drawnAt.length, 1);
    // A check frame 50 ms later finds nothing; the data comes one display frame after it.
    frames.ticks(2);
    loop.schedule();
    frames.ticks(1);
    assert.equal(frames.pending, 0, 'an idle frame asks for no more frames');
    work.pending = true;
    loop.schedule();
    frames.ticks(1);
    assert.equal(work.drawnAt.length, 2, 'drawn on the first frame after the data');
    const gap = (work.drawnAt[1] as number) - (work.drawnAt[0] as number);
    assert.ok(gap <= 70, `the second draw ${gap} ms after the first`);
  });

  it('after an idle frame, work that arrives is drawn when its task is done, not on a frame', () => {
    const frames = new ManualFrames(1000 / 60);
    const { loop, work, drawThenIdle } = workLoop(frames);
    drawThenIdle();
    assert.equal(frames.pending + frames.tasks, 0, 'nothing asked for');
    work.pending = true;
    loop.schedule(); // a message asks for a frame
    assert.equal(frames.pending, 0, 'no frame asked for');
    loop.schedule(); // more messages in the same task
    assert.equal(frames.tasks, 1);
    frames.runTasks();
    assert.equal(work.drawnAt.length, 2, 'drawn once its task is done');
    assert.equal(work.drawnAt[1], frames.time);
    // Work right after that draw waits for a frame and the pacing, as usual.
    work.pending = true;
    loop.schedule();
    assert.equal(frames.tasks, 0);
    assert.equal(frames.pending, 1);
    frames.ticks(1);
    assert.equal(work.drawnAt.length, 2, 'not 17 ms after the last draw (max-fps 20)');
    frames.ticks(3);
    assert.equal(work.drawnAt.length, 3);
  });

  it('when the scheduler will not draw outside a frame now (soon gives null), the work waits for a frame', () => {
    const frames = new ManualFrames(1000 / 60);
    const { loop, work, drawThenIdle } = workLoop(frames, {
      request: (c) => frames.request(c),
      cancel: (h) => frames.cancel(h),
      soon: () => null,
    });
    drawThenIdle();
    work.pending = true;
    loop.schedule();
    assert.equal(frames.pending, 1, 'a frame asked for');
    frames.ticks(1);
    assert.equal(work.drawnAt.length, 2);
  });

  it('stop cancels a draw waiting for its task to end', () => {
    const frames = new ManualFrames();
    const { loop, work, drawThenIdle } = workLoop(frames);
    drawThenIdle();
    work.pending = true;
    loop.schedule();
    loop.stop();
    frames.runTasks();
    assert.equal(work.drawnAt.length, 1);
    assert.equal(frames.pending, 0, 'no frame asked for');
  });

  it('stop cancels the pending frame', () => {
    const frames = new ManualFrames();
    const { loop, draws } = busyLoop(20, frames);
    loop.stop();
    frames.ticks(30);
    assert.equal(draws(), 0);
  });

  it('a new max-fps applies to the next frames', () => {
    const frames = new ManualFrames();
    const { loop, draws } = busyLoop(20, frames);
    frames.ticks(60);
    const before = draws();
    loop.maxFps = 5;
    frames.ticks(60);
    assert.ok(Math.abs(draws() - before - 5) <= 1, `drew ${draws() - before}`);
  });
});
