/**
 * requestAnimationFrame pacing at most `maxFps` draws per second. It asks for frames only while
 * there is work, so an idle chart costs nothing, and a hidden tab (no animation frames) draws
 * nothing until it is shown again.
 */

/** Where frames come from: the browser's animation frames by default; tests pass a manual clock. */
export interface FrameScheduler {
  request(callback: (time: number) => void): number;
  cancel(handle: number): void;
}

export const animationFrames: FrameScheduler = {
  request: (callback) => requestAnimationFrame(callback),
  cancel: (handle) => cancelAnimationFrame(handle),
};

export const DEFAULT_MAX_FPS = 20;

export class FrameLoop {
  #draw: (time: number) => boolean | 'busy';
  #scheduler: FrameScheduler;
  #interval: number;
  #handle: number | null = null;
  #lastDraw = -Infinity;
  /** Display frame interval, learnt from consecutive frames (60 Hz until known). */
  #frameInterval = 1000 / 60;
  #lastFrame: number | null = null;

  /**
   * @param draw called at most `maxFps` times a second while work is scheduled; returns true when
   *   work remains (it is called again on a later frame), or `busy` when it could not draw yet (the
   *   previous draw is still finishing): then it is called again on the next frame, and the
   *   skipped frame does not count against maxFps.
   */
  constructor(
    draw: (time: number) => boolean | 'busy',
    maxFps = DEFAULT_MAX_FPS,
    scheduler: FrameScheduler = animationFrames,
  ) {
    this.#draw = draw;
    this.#scheduler = scheduler;
    this.#interval = 1000 / maxFps;
  }

  set maxFps(fps: number) {
    this.#interval = 1000 / fps;
  }

  set scheduler(scheduler: FrameScheduler) {
    const running = this.#handle !== null;
    this.stop();
    this.#scheduler = scheduler;
    if (running) this.schedule();
  }

  get running(): boolean {
    return this.#handle !== null;
  }

  /** There is work: make sure a frame is coming. */
  schedule(): void {
    if (this.#handle === null) this.#handle = this.#scheduler.request(this.#onFrame);
  }

  stop(): void {
    if (this.#handle !== null) this.#scheduler.cancel(this.#handle);
    this.#handle = null;
    this.#lastFrame = null;
  }

  #onFrame = (time: number): void => {
    this.#handle = null;
    if (this.#lastFrame !== null) {
      const delta = time - this.#lastFrame;
      if (delta > 0 && delta < 100) this.#frameInterval += (delta - this.#frameInterval) / 8;
    }
    const elapsed = time - this.#lastDraw;
    // Draws land on display frames (60, 120, 144 Hz, jittery): draw on this frame when it is nearer
    // the target time than the next one would be. Advancing the last draw by exactly one interval
    // (not to `time`) keeps the long-run rate at maxFps, never above it.
    if (elapsed < this.#interval - this.#frameInterval / 2) {
      this.schedule();
    } else {
      const lastDraw = this.#lastDraw;
      this.#lastDraw = elapsed < 2 * this.#interval ? lastDraw + this.#interval : time;
      const result = this.#draw(time);
      if (result === 'busy') this.#lastDraw = lastDraw;
      if (result) this.schedule();
    }
    // Only back-to-back frames tell the display's interval.
    this.#lastFrame = this.#handle !== null ? time : null;
  };
}
