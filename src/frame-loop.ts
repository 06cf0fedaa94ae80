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
  #draw: (time: number) => boolean;
  #scheduler: FrameScheduler;
  #interval: number;
  #handle: number | null = null;
  #lastDraw = -Infinity;

  /**
   * @param draw called at most `maxFps` times a second while work is scheduled; returns true when
   *   work remains (it is called again on a later frame).
   */
  constructor(draw: (time: number) => boolean, maxFps = DEFAULT_MAX_FPS, scheduler: FrameScheduler = animationFrames) {
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
  }

  #onFrame = (time: number): void => {
    this.#handle = null;
    const elapsed = time - this.#lastDraw;
    // Displays tick at 60, 120, 144 Hz with jitter: allow a little slack, and keep the long-run
    // average at maxFps by advancing the last draw by one interval rather than to `time`.
    const slack = Math.min(4, this.#interval / 4);
    if (elapsed < this.#interval - slack) {
      this.schedule();
      return;
    }
    this.#lastDraw = elapsed < 2 * this.#interval ? this.#lastDraw + this.#interval : time;
    if (this.#draw(time)) this.schedule();
  };
}
