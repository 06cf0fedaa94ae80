/**
 * A stream frame's x axes moved instead of redrawn. Plotly's relayout redraws every grid line, tick
 * and label of an axis it rescales (each line's colour parsed and its styles set, each label set
 * and measured for the automatic tick angle): two thirds of the relayout, the largest part of a
 * chart's frame on a page of fifty. A sliding window keeps its ticks for most frames and only
 * slides them. Plotly's drawing of an axis (`drawOne`) sets its scale and works out its ticks, then
 * asks whether the axis is visible: for the length of the relayout each x axis answers that it is
 * only when its ticks changed. Where they are the ticks drawn (each with its grid line drawn or not
 * as before), Plotly draws nothing of it, and every grid line, tick and label is moved where Plotly
 * puts it (its transform's first translation, `makeTransTickFn`). An axis drawn any other way (a
 * zero line in range, labels shifted or a period's) is left to Plotly: before the relayout each of
 * its items must be where that rule puts it. Moved labels keep their angle: Plotly's automatic
 * angle is decided again when the ticks change (with the same ticks, only a scale change across its
 * overlap threshold could have turned them).
 */

/** The parts of a Plotly axis read and set here. */
interface TickAxis {
  _id: string;
  visible?: boolean;
  zeroline?: boolean;
  range: number[];
  _vals?: Array<{ x: number; text: string }>;
  _offset: number;
  _length: number;
  l2p(value: number): number;
  _tickAngles?: unknown;
  _selections?: unknown;
  _depth?: unknown;
}

/** How the transform of `item` (a grid line, tick or label of `ax`) begins where Plotly puts it. */
function placed(ax: TickAxis, item: Element): string {
  // Each item has its tick as d3 bound it (a label's text, from its group).
  return `translate(${ax._offset + ax.l2p((item as unknown as { __data__: { x: number } }).__data__.x)},`;
}

/**
 * The ticks of `ax`: each one's text, value and whether its grid line is drawn (Plotly's
 * `clipEnds`); null when a zero line may be in range.
 */
function ticks(ax: TickAxis): string | null {
  return ax.zeroline && (ax.range[0] as number) * (ax.range[1] as number) <= 0
    ? null
    : JSON.stringify(ax._vals?.map(({ x, text }) => [text, x, ax.l2p(x) > 1 && ax.l2p(x) < ax._length - 1]));
}

/**
 * Runs `draw` (a relayout of `gd` that names the axes `names`) with its x axes moved, not redrawn,
 * where their ticks stay the same ones.
 */
export function withMovedAxes<T>(gd: HTMLElement, names: Iterable<string>, draw: () => T): T {
  const layout = (gd as unknown as { _fullLayout: Record<string, TickAxis> })._fullLayout;
  // For each axis Plotly may leave undrawn: shows it again, and moves its items if Plotly did.
  const shown: Array<() => void> = [];
  for (const name of names) {
    const ax = layout[name] as TickAxis;
    if (name[0] !== 'x' || !ax.visible) continue;
    const items = [...gd.querySelectorAll(`.${ax._id}grid,path.${ax._id}tick,.${ax._id}tick>text`)];
    const before = ticks(ax);
    if (!before || !items.every((item) => item.getAttribute('transform')?.startsWith(placed(ax, item)))) continue;
    // What Plotly's drawing resets before it finds the axis hidden (other axes read it) is kept.
    const kept = { _tickAngles: ax._tickAngles, _selections: ax._selections, _depth: ax._depth };
    // Plotly's drawing asks whether the axis is visible once it has its new ticks: it draws the
    // axis only when they changed (and then nothing is moved).
    let drawn = false;
    Object.defineProperty(ax, 'visible', { configurable: true, get: () => (drawn = ticks(ax) !== before) });
    shown.push(() => {
      delete ax.visible;
      ax.visible = true;
      if (drawn) return;
      Object.assign(ax, kept);
      for (const item of items)
        item.setAttribute('transform', (item.getAttribute('transform') as string).replace(/.*?,/, placed(ax, item)));
    });
  }
  try {
    return draw();
  } finally {
    for (const show of shown) show();
  }
}
