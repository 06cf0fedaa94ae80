import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/index.js';
import type { PlotlyStreamElement } from '../../src/plotly-stream.js';

describe('smoke', () => {
  it('draws a figure', async () => {
    const el = await fixture<PlotlyStreamElement>(html`<plotly-stream .figure=${{ data: [{ y: [1, 2, 3], stream: { token: 'a' } }] }}></plotly-stream>`);
    await oneEvent(el, 'plotly-stream-render');
    expect((el.graphDiv as any).data[0].y).to.deep.equal([1, 2, 3]);
    el.write('a', { y: 4 });
    await oneEvent(el, 'plotly-stream-render');
    expect((el.graphDiv as any).data[0].y).to.deep.equal([1, 2, 3, 4]);
  });
});
