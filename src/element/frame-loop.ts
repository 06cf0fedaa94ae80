/**
 * requestAnimationFrame pacing at most `maxFps` draws per second. It asks for frames only while
 * there is work, so an idle chart costs nothing, and a hidden tab (no animation frames) draws
 * nothing until it is shown again.
 */

/** Where frames come from: the browser's animation frames by default; tests pass a manual clock. */
export interface FrameScheduler {
  request(callback: (time: number) => void): number;
  cancel(handle: number): void;
  /**
   * Optional: runs `callback` once the current task is done (a microtask), with the time in the
   * frames' clock, and returns a cancel function; or returns null when it will not now (then the
   * loop asks for a frame). Work that arrives after an idle frame is drawn there.
   */
  soon?(callback: (time: number) => void): (() => void) | null;
}

/**
 * True once a draw ran outside a frame since the page's last frame: one a frame, page-wide, so a
 * page of many charts does not turn every message into a round of draws and starve its own
 * messages (the frames pace the rest).
 */
let drewBetweenFrames = false;

export const animationFrames: FrameScheduler = {
  request: (callback) => requestAnimationFrame(callback),
  cancel: (handle) => cancelAnimationFrame(handle),
  soon: (callback) => {
    if (drewBetweenFrames) return null;
    drewBetweenFrames = true;
    requestAnimationFrame(() => (drewBetweenFrames = false));
    let cancelled = false;
    queueMicrotask(() => {
      if (!cancelled) callback(performance.now());
    });
    return () => {
      cancelled = true;
    };
  },
};

export const DEFAULT_MAX_FPS = 20;

/**
 * What a frame's draw did: true, it drew and more work remains (call again on a later frame);
 * false, it drew or gave up, and nothing remains; `busy`, it could not draw yet (the previous draw is
 * still finishing: call again on the next frame); `idle`, there was nothing to draw after all.
 * Neither `busy` nor `idle` counts against maxFps: the next draw may come on the next frame.
 */
export type FrameResult = boolean | 'busy' | 'idle';

export class FrameLoop {
  #draw: (time: number) => FrameResult;
  #scheduler: FrameScheduler;
  #interval: number;
  #handle: number | null = null;
  #lastDraw = -Infinity;
  /** Display frame interval, learnt from consecutive frames (60 Hz until known). */
  #frameInterval = 1000 / 60;
  #lastFrame: number | null = null;
  /** A frame found nothing to draw: the next work is drawn as soon as it arrives (see `schedule`). */
  #owed = false;
  /** Cancels that draw while it is pending. */
  #cancelSoon: (() => void) | null = null;

  /**
   * @param draw called at most `maxFps` times a second while work is scheduled; see `FrameResult`.
   */
  constructor(
    draw: (time: number) => FrameResult,
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

  /**
   * There is work: make sure a frame is coming. After a frame that found nothing to draw, the work
   * is drawn once the current task is done instead (pacing still applies): after a long draw the
   * browser runs its next frame before the messages that arrived during the draw (it ranks network
   * tasks below frames), so that frame finds nothing, and waiting for the one after loses a frame
   * each time. The browser shows the draw on its next frame all the same.
   */
  schedule(): void {
    if (this.#handle !== null || this.#cancelSoon !== null) return;
    if (this.#owed && this.#scheduler.soon !== undefined) {
      this.#owed = false;
      this.#cancelSoon = this.#scheduler.soon((time) => {
        this.#cancelSoon = null;
        this.#onFrame(time, false);
      });
      if (this.#cancelSoon !== null) return;
    }
    this.#handle = this.#scheduler.request(this.#onFrame);
  }

  stop(): void {
    if (this.#handle !== null) this.#scheduler.cancel(this.#handle);
    this.#handle = null;
    this.#lastFrame = null;
    this.#cancelSoon?.();
    this.#cancelSoon = null;
    this.#owed = false;
  }

  /** A display frame's callback; `fromFrame` false for work drawn as it arrived after an idle frame. */
  #onFrame = (time: number, fromFrame = true): void => {
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
      if (result === 'busy' || result === 'idle') this.#lastDraw = lastDraw;
      if (result === true || result === 'busy') this.schedule();
      this.#owed = result === 'idle' && fromFrame;
    }
    // Only back-to-back frames tell the display's interval.
    this.#lastFrame = this.#handle !== null && fromFrame ? time : null;
  };
}
