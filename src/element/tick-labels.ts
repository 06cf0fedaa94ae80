/**
 * How a streamed chart's tick labels are kept inside it. Plotly's default (`ticklabeloverflow:
 * "hide past div"`) measures every tick label of an axis once for each of its labels on every
 * redraw (its overflow check runs inside the loop over the labels, and measures them all): the
 * largest part of a small chart's redraw in the dashboard bench (29 %, forced layouts besides).
 * Unless the figure says otherwise, the element draws with `"allow"`: a label at the edge is
 * clipped by the plot instead of hidden, and nothing is measured.
 */
import { axisKey } from './plot-geometry.js';

/** Axes named in the layout (`xaxis`, `yaxis2`, ...) or by the traces (`xaxis: 'x2'`). */
const AXIS_KEY = /^[xy]axis\d*$/;

/** `layout` with `ticklabeloverflow: "allow"` on each cartesian axis that does not set it (in place). */
export function withUnmeasuredTickLabels(
  layout: Record<string, unknown>,
  data: ReadonlyArray<Record<string, unknown>>,
): Record<string, unknown> {
  const axes = new Set(['xaxis', 'yaxis', ...Object.keys(layout).filter((key) => AXIS_KEY.test(key))]);
  for (const trace of data)
    for (const letter of ['x', 'y'] as const) {
      const ref = trace[`${letter}axis`];
      if (typeof ref === 'string' && /^[xy]\d*$/.test(ref)) axes.add(axisKey(letter, ref));
    }
  for (const key of axes) {
    const axis = layout[key];
    if (axis === undefined) layout[key] = { ticklabeloverflow: 'allow' };
    else if (typeof axis === 'object' && axis !== null && !('ticklabeloverflow' in axis))
      (axis as Record<string, unknown>)['ticklabeloverflow'] = 'allow';
  }
  return layout;
}
