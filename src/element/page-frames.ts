/**
 * The page's animation frames, shared by every chart on it: one `requestAnimationFrame` a frame,
 * and in it the charts that asked draw in turn until the frame's budget of work is spent (at least
 * one draws each frame, so none starves). Those that did not get a turn keep their place and go
 * first on the next frame; a chart that drew and asks again queues behind them, the turns going by
 * when each chart last drew, not by when its data came. A chart that waits loses nothing: its
 * window keeps every point, and its turn draws the latest window whole.
 *
 * Without it, fifty charts each asked for the same frame and all drew in it: frames of hundreds of
 * milliseconds, and scrolling, hovering and clicks waited behind them.
 */
import { animationFrames, type FrameScheduler } from './frame-loop.js';

/** Milliseconds of chart work one frame may hold, by default (of a 16.7 ms frame at 60 Hz). */
export const DEFAULT_FRAME_BUDGET_MS = 12;

/**
 * The longest frame the page's charts aim to leave it: below 30 frames a second scrolling and input
 * stop feeling smooth. When the browser's own work (scrolling, painting, layerizing a page of
 * charts) makes frames longer, the charts' share of each frame shrinks until they are not.
 */
export const FRAME_TARGET_MS = 1000 / 30;

/**
 * The longest frame the charts aim to leave the page while it scrolls (until `SCROLLING_MS` after
 * its last scroll event). Frames come in whole display frames, and a frame aimed at 1/30 s runs into
 * the next display frame (50 ms) about as often as it ends early: scrolling aims short of it.
 */
export const SCROLL_FRAME_TARGET_MS = 25;

/** How long after its last scroll event the page counts as scrolling. */
export const SCROLLING_MS = 250;

/**
 * A display frame at 60 Hz: while the browser's own work and the budget fit in one, the budget
 * holds; where they do not, the charts may take a display frame of each frame.
 */
export const DISPLAY_FRAME_MS = 1000 / 60;

/** How much of a frame's overrun (or slack) the next frame's budget gives back (or takes). */
const BUDGET_GAIN = 0.5;

/** How much of a frame's own time moves the average (frames run at whole display frames: 17, 33, 50 ms). */
const OWN_GAIN = 0.125;

/** Where the frames and the time come from (the browser's, or a test's). */
export interface FrameSource {
  requestFrame(callback: (time: number) => void): number;
  cancelFrame(handle: number): void;
  now(): number;
  /** When the page (or a scrolling panel in it) last scrolled. */
  scrolledAt(): number;
}

let scrolledAt = -Infinity;
// Captured: scroll events do not bubble, and a page's charts may sit in a scrolling panel.
globalThis.addEventListener?.('scroll', (event) => (scrolledAt = event.timeStamp), true);

const browserFrames: FrameSource = {
  requestFrame: (callback) => requestAnimationFrame(callback),
  cancelFrame: (handle) => cancelAnimationFrame(handle),
  now: () => performance.now(),
  scrolledAt: () => scrolledAt,
};

export class PageFrames implements FrameScheduler {
  /** Milliseconds of work one frame may hold; past it, the charts still waiting draw on later frames. */
  budgetMs = DEFAULT_FRAME_BUDGET_MS;
  /**
   * The budget in force: while the page's frames last longer than `FRAME_TARGET_MS` (while it
   * scrolls, `SCROLL_FRAME_TARGET_MS`), less by half the overrun a frame, down to one chart a
   * frame; back up by half the slack a frame once they are shorter, to `budgetMs`; to a whole
   * display frame (`DISPLAY_FRAME_MS`) when the browser's own work in a frame (style, layout,
   * paint) leaves `budgetMs` no room in one: the page has lost 60 frames a second anyway, and the
   * charts take its slack below the target. (The first frame after a hidden tab is a long one: the
   * charts come back a few at a time.)
   */
  #allowanceMs = Infinity;
  /** When the last frame that asked for the next began (NaN: the frames were idle since). */
  #lastFrameTime = NaN;
  /** How long the charts drew in that frame. */
  #spentMs = 0;
  /** The rest of a frame (the browser's style, layout and paint, and any wait), averaged over frames. */
  #ownMs = 0;
  readonly #source: FrameSource;
  /** Callbacks waiting for a frame, by handle: a handle is its callback's place in the turns. */
  readonly #waiting = new Map<number, (time: number) => void>();
  /**
   * The handle each callback gets when it next asks, given as it had its turn: who drew longest ago
   * goes first, however late its next data came (charts ask as their data arrives, in the order
   * of the connection's messages, which would put the same charts first every frame).
   */
  readonly #places = new WeakMap<object, number>();
  #nextHandle = 1;
  #frame: number | null = null;

  constructor(source: FrameSource = browserFrames) {
    this.#source = source;
  }

  request(callback: (time: number) => void): number {
    const handle = this.#places.get(callback) ?? this.#nextHandle++;
    this.#waiting.set(handle, callback);
    this.#frame ??= this.#source.requestFrame(this.#onFrame);
    return handle;
  }

  cancel(handle: number): void {
    this.#waiting.delete(handle);
    if (this.#waiting.size === 0 && this.#frame !== null) {
      this.#source.cancelFrame(this.#frame);
      this.#frame = null;
    }
  }

  /** Work that arrives after an idle frame is drawn when its task ends, as with the browser's frames. */
  soon = animationFrames.soon;

  #onFrame = (time: number): void => {
    this.#frame = null;
    // The length of the frame just ended (when the charts asked for this one in it) moves the budget.
    const frameMs = time - this.#lastFrameTime;
    const target = time - this.#source.scrolledAt() < SCROLLING_MS ? SCROLL_FRAME_TARGET_MS : FRAME_TARGET_MS;
    const change = BUDGET_GAIN * (target - frameMs) || 0;
    const budget = this.budgetMs;
    this.#ownMs += OWN_GAIN * (frameMs - this.#spentMs - this.#ownMs) || 0;
    const cap = this.#ownMs + budget > DISPLAY_FRAME_MS ? Math.max(budget, DISPLAY_FRAME_MS) : budget;
    const allowance = (this.#allowanceMs = Math.max(0, Math.min(cap, this.#allowanceMs + change)));
    const started = this.#source.now();
    // Only those waiting as the frame began, in their places: a chart that draws and asks again
    // goes behind them.
    const turn = [...this.#waiting].sort(([a], [b]) => a - b);
    for (const [handle, callback] of turn) {
      if (!this.#waiting.delete(handle)) continue; // cancelled by an earlier callback
      this.#places.set(callback, this.#nextHandle++);
      callback(time);
      // Past the allowance, the rest wait (the first always draws: no chart starves).
      if (this.#source.now() - started >= allowance) break;
    }
    this.#spentMs = this.#source.now() - started;
    if (this.#waiting.size > 0) this.#frame ??= this.#source.requestFrame(this.#onFrame);
    this.#lastFrameTime = this.#frame === null ? NaN : time;
  };
}

/** The page's frames: every `<plotly-stream>` draws in them unless given a `frameScheduler` of its own. */
export const pageFrames = new PageFrames();
