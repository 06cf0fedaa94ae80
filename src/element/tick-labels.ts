/**
 * How a streamed chart's tick labels are kept inside it. Plotly's default (`ticklabeloverflow:
 * "hide past div"`) measures every tick label of an axis once for each of its labels on every
 * redraw (its overflow check runs inside the loop over the labels, and measures them all): the
 * largest part of a small chart's redraw in the dashboard bench (29 %, forced layouts besides).
 * Unless the figure says otherwise, the element draws with `"allow"`: a label at the edge is
 * clipped by the plot instead of hidden, and nothing is measured. It is a default of the layout's
 * template, which Plotly applies to every x axis (`template.layout.xaxis`) and every y axis: an
 * axis's own value, or the figure's template's, wins.
 */
import { isMessageObject as isObject } from '../shared/messages.js';

/** `layout` whose template draws tick labels unmeasured on every cartesian axis (in place). */
export function withUnmeasuredTickLabels(layout: Record<string, unknown>): Record<string, unknown> {
  const template = isObject(layout['template']) ? layout['template'] : {};
  const defaults = isObject(template['layout']) ? template['layout'] : {};
  const axis = (name: string): Record<string, unknown> => ({
    ticklabeloverflow: 'allow',
    ...(isObject(defaults[name]) ? defaults[name] : {}),
  });
  layout['template'] = { ...template, layout: { ...defaults, xaxis: axis('xaxis'), yaxis: axis('yaxis') } };
  return layout;
}
