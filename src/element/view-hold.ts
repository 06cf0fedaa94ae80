/**
 * Whether the person holds the view: a zoom, pan or scroll on an axis (Plotly's relayout events:
 * the person's gestures and `follow()` set ranges; the element's own stream frames only autorange
 * axes that already autorange, so they change nothing here) holds that axis at its range while
 * points keep arriving; an autoscale (double-click, the modebar) returns it to following. Ranges
 * from the figure or a streamed `layout` never pass through here, so they are not a hold.
 */
import { autorangeUpdate } from './plot-geometry.js';

export type View = 'live' | 'held';

// `xaxis.range`, `xaxis2.range[0]`, `yaxis.autorange`, ...
const AXIS_KEY = /^([xy]axis\d*)\.(range(?:\[[01]\])?|autorange)$/;

export class ViewHold {
  #held = new Set<string>();

  get view(): View {
    return this.#held.size > 0 ? 'held' : 'live';
  }

  /** Reads a relayout update; returns the view when it changed, else null. */
  relayout(update: Record<string, unknown>): View | null {
    const before = this.view;
    for (const [key, value] of Object.entries(update)) {
      const match = AXIS_KEY.exec(key);
      if (match === null) continue;
      const axis = match[1] as string;
      if (match[2] === 'autorange') {
        if (value === true) this.#held.delete(axis);
      } else {
        this.#held.add(axis);
      }
    }
    return this.view === before ? null : this.view;
  }

  /** The relayout update that returns every held axis to following. */
  followUpdate(): Record<string, unknown> {
    return autorangeUpdate(this.#held);
  }

  /** Forgets every hold (a new figure); returns the view when it changed, else null. */
  clear(): View | null {
    const before = this.view;
    this.#held.clear();
    return this.view === before ? null : this.view;
  }
}
