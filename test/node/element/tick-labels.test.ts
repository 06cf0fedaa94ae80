/**
 * Tick labels of a streamed chart are drawn unmeasured (`ticklabeloverflow: "allow"`) on every
 * cartesian axis the figure has or its traces name, unless the figure sets it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withUnmeasuredTickLabels } from '../../../src/element/tick-labels.js';

describe('withUnmeasuredTickLabels', () => {
  it("sets allow on the default axes, the layout's and the traces', and keeps the figure's own choice", () => {
    const layout = withUnmeasuredTickLabels(
      { xaxis: { title: { text: 't' } }, yaxis2: { ticklabeloverflow: 'hide past domain' }, xaxis10: {} },
      [{ y: [] }, { y: [], xaxis: 'x3', yaxis: 'y2' }, { type: 'pie', xaxis: 'bogus' }],
    );
    assert.deepEqual(layout, {
      xaxis: { title: { text: 't' }, ticklabeloverflow: 'allow' },
      yaxis: { ticklabeloverflow: 'allow' },
      yaxis2: { ticklabeloverflow: 'hide past domain' },
      xaxis10: { ticklabeloverflow: 'allow' },
      xaxis3: { ticklabeloverflow: 'allow' },
    });
  });

  it('leaves what is not an axis object alone', () => {
    assert.deepEqual(withUnmeasuredTickLabels({ xaxis: 'nonsense', xaxisx: {} }, []), {
      xaxis: 'nonsense',
      xaxisx: {},
      yaxis: { ticklabeloverflow: 'allow' },
    });
  });
});
