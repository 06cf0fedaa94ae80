/** A PlotModel on a figure, its first (whole-figure) frame taken, and the errors it reports. */
import assert from 'node:assert/strict';
import type { StreamError } from '../../src/element/errors.js';
import { parseFigure } from '../../src/element/figure.js';
import { PlotModel } from '../../src/element/plot-model.js';

export function modelOf(figure: unknown): { m: PlotModel; errors: StreamError[] } {
  const errors: StreamError[] = [];
  const m = new PlotModel((e) => errors.push(e));
  m.setFigure(parseFigure(figure));
  assert.equal(m.takeFrame()?.kind, 'react', 'a new figure is drawn whole first');
  return { m, errors };
}
