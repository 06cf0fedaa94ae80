/**
 * Tick labels of a streamed chart are drawn unmeasured (`ticklabeloverflow: "allow"`): a default of
 * the layout's template, for every x and y axis, unless the figure (its axis or its template) sets it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withUnmeasuredTickLabels } from '../../../src/element/tick-labels.js';

describe('withUnmeasuredTickLabels', () => {
  it("puts allow in the template's x and y axes, leaving the axes' own values alone", () => {
    const layout = withUnmeasuredTickLabels({
      xaxis: { title: { text: 't' } },
      yaxis2: { ticklabeloverflow: 'hide past domain' },
    });
    assert.deepEqual(layout, {
      xaxis: { title: { text: 't' } },
      yaxis2: { ticklabeloverflow: 'hide past domain' },
      template: { layout: { xaxis: { ticklabeloverflow: 'allow' }, yaxis: { ticklabeloverflow: 'allow' } } },
    });
  });

  it("keeps the figure's template, whose own choice wins", () => {
    const layout = withUnmeasuredTickLabels({
      template: {
        data: { scatter: [{ line: { width: 3 } }] },
        layout: { font: { size: 10 }, xaxis: { ticklabeloverflow: 'hide past domain', showgrid: false } },
      },
    });
    assert.deepEqual(layout, {
      template: {
        data: { scatter: [{ line: { width: 3 } }] },
        layout: {
          font: { size: 10 },
          xaxis: { ticklabeloverflow: 'hide past domain', showgrid: false },
          yaxis: { ticklabeloverflow: 'allow' },
        },
      },
    });
  });

  it('replaces a template or template axis that is not an object', () => {
    assert.deepEqual(withUnmeasuredTickLabels({ template: 'plotly_dark' }), {
      template: { layout: { xaxis: { ticklabeloverflow: 'allow' }, yaxis: { ticklabeloverflow: 'allow' } } },
    });
    assert.deepEqual(withUnmeasuredTickLabels({ template: { layout: { xaxis: [1] } } }), {
      template: { layout: { xaxis: { ticklabeloverflow: 'allow' }, yaxis: { ticklabeloverflow: 'allow' } } },
    });
  });
});
