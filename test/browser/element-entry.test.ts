// plotly-stream/element: the class without defining any tag (this file imports nothing else).
import { expect, fixture, oneEvent } from '@open-wc/testing';
import { unsafeStatic, html as staticHtml } from 'lit/static-html.js';
import { PlotlyStreamElement } from '../../src/element.js';

describe('plotly-stream/element', () => {
  it('defines no tag on import; define(tag) registers the class under a name of the page’s choosing', async () => {
    expect(customElements.get('plotly-stream')).to.equal(undefined);
    PlotlyStreamElement.define('my-live-chart');
    expect(customElements.get('my-live-chart')).to.equal(PlotlyStreamElement);
    expect(customElements.get('plotly-stream')).to.equal(undefined);
    const el = await fixture<PlotlyStreamElement>(
      staticHtml`<${unsafeStatic('my-live-chart')} .figure=${{ data: [{ y: [], stream: { token: 'A' } }] }}></${unsafeStatic('my-live-chart')}>`,
    );
    el.write('A', { y: 3 });
    await oneEvent(el, 'plotly-stream-render');
    expect(el.graphDiv).to.exist;
  });
});
