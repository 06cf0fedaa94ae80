import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/index.js';
import { PlotlyStreamElement } from '../../src/element.js';

type GraphDiv = HTMLDivElement & { data: Array<Record<string, unknown>>; layout: Record<string, unknown> };
const gd = (el: PlotlyStreamElement) => el.graphDiv as GraphDiv;

describe('<plotly-stream> API', () => {
  it('is defined once; a second define is harmless; other tags and registries work', () => {
    expect(customElements.get('plotly-stream')).to.equal(PlotlyStreamElement);
    PlotlyStreamElement.define();
    PlotlyStreamElement.define('plotly-stream-two');
    const two = document.createElement('plotly-stream-two');
    expect(two).to.be.instanceOf(PlotlyStreamElement);
    expect(document.createElement('plotly-stream')).to.be.instanceOf(PlotlyStreamElement);
  });

  it('has documented defaults', async () => {
    const el = await fixture<PlotlyStreamElement>(html`<plotly-stream></plotly-stream>`);
    expect(el.src).to.equal(null);
    expect(el.transport).to.equal('auto');
    expect(el.maxFps).to.equal(20);
    expect(el.staleAfter).to.equal(20000);
    expect(el.paused).to.equal(false);
    expect(el.hideBadge).to.equal(false);
    expect(el.decimate).to.equal('auto');
    expect(el.state).to.equal('idle');
    expect(el.getAttribute('state')).to.equal('idle');
    expect(el.stats).to.deep.equal({
      messages: 0,
      points: 0,
      frames: el.stats.frames,
      drops: 0,
      rejected: 0,
      lastRenderMs: el.stats.lastRenderMs,
      lag: el.stats.lag,
      drawnPoints: 0,
      reconnects: 0,
    });
  });

  it('maps kebab-case attributes to camelCase properties; invalid values fall back to defaults', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream
        src="http://nowhere.test"
        transport="sse"
        max-fps="5"
        stale-after="1500"
        paused
        hide-badge
        decimate="off"
      ></plotly-stream>`,
    );
    expect(el.src).to.equal('http://nowhere.test');
    expect(el.transport).to.equal('sse');
    expect(el.maxFps).to.equal(5);
    expect(el.staleAfter).to.equal(1500);
    expect(el.paused).to.equal(true);
    expect(el.hideBadge).to.equal(true);
    expect(el.decimate).to.equal('off');
    el.setAttribute('transport', 'carrier-pigeon');
    el.setAttribute('decimate', 'lttb');
    el.setAttribute('max-fps', '-3');
    el.setAttribute('stale-after', 'soon');
    expect(el.transport).to.equal('auto');
    expect(el.maxFps).to.equal(20);
    expect(el.staleAfter).to.equal(20000);
    expect(el.decimate).to.equal('auto');
    el.maxFps = 0;
    expect(el.maxFps).to.equal(20);
    el.removeAttribute('paused');
    expect(el.paused).to.equal(false);
    el.remove();
  });

  it('reflects state for CSS; the badge shows it (not while idle) and hides on hide-badge', async () => {
    const el = await fixture<PlotlyStreamElement>(html`<plotly-stream></plotly-stream>`);
    const badge = () => el.shadowRoot!.querySelector('[part="badge"]') as HTMLElement | null;
    expect(badge(), 'no badge while idle').to.equal(null);
    el.src = 'http://127.0.0.1:9';
    el.figure = { data: [{ y: [], stream: { token: 'A' } }] };
    await el.updateComplete;
    expect(el.state).to.equal('connecting');
    expect(badge()!.textContent).to.equal('connecting');
    expect(getComputedStyle(badge()!).display).to.not.equal('none');
    el.hideBadge = true;
    await el.updateComplete;
    expect(badge()).to.equal(null);
    el.hideBadge = false;
    await el.updateComplete;
    expect(badge()!.title).to.equal('connecting');
    el.src = null;
    await el.updateComplete;
    // The attribute is an output: writing it does not change the state.
    el.setAttribute('state', 'live');
    expect(el.state).to.equal('idle');
  });

  it('reads the figure from a child JSON script, strips stream, and keeps untokened traces', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream>
        <script type="application/json">
          {
            "data": [
              { "y": [1, 2], "stream": { "token": "A", "maxpoints": 3 } },
              { "y": [5, 6], "name": "static" }
            ],
            "layout": { "title": { "text": "from script" } },
            "config": { "displaylogo": false }
          }
        </script>
      </plotly-stream>`,
    );
    await oneEvent(el, 'plotly-stream-render');
    expect(gd(el).data.map((t) => t['y'])).to.deep.equal([
      [1, 2],
      [5, 6],
    ]);
    expect(gd(el).data[0]).to.not.have.property('stream');
    expect((gd(el).layout['title'] as { text: string }).text).to.equal('from script');
    el.write('A', { y: 3 });
    el.write('A', { y: 4 });
    await oneEvent(el, 'plotly-stream-render');
    expect(gd(el).data[0]!['y']).to.deep.equal([2, 3, 4]);
    expect(gd(el).data[1]!['y']).to.deep.equal([5, 6]);
  });

  it('reads a JSON script that arrives after the element was upgraded (bundle in <head>)', async () => {
    const el = await fixture<PlotlyStreamElement>(html`<plotly-stream></plotly-stream>`);
    const script = document.createElement('script');
    script.type = 'application/json';
    el.append(script);
    script.textContent = '{"data": [{"y": [7], "stream": {"token": "late"}}]}';
    await oneEvent(el, 'plotly-stream-render');
    expect(gd(el).data[0]!['y']).to.deep.equal([7]);
    script.textContent = '{"data": [{"y": [8, 9], "type": "bar"}]}';
    await oneEvent(el, 'plotly-stream-render');
    expect(gd(el).data[0]!['type']).to.equal('bar');
  });

  it('takes the figure property over any child script, and keeps points across figure changes', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream>
        <script type="application/json">
          { "data": [{ "y": [100] }] }
        </script>
      </plotly-stream>`,
    );
    el.figure = { data: [{ y: [], stream: { token: 'A' } }] };
    el.write('A', { y: 1 });
    el.write('A', { y: 2 });
    await oneEvent(el, 'plotly-stream-render');
    expect(gd(el).data[0]!['y']).to.deep.equal([1, 2]);
    el.figure = { data: [{ y: [], type: 'bar', stream: { token: 'A' } }], layout: { title: { text: 'bars' } } };
    await oneEvent(el, 'plotly-stream-render');
    expect(gd(el).data[0]!['y']).to.deep.equal([1, 2]);
    expect(gd(el).data[0]!['type']).to.equal('bar');
    (el.querySelector('script') as HTMLScriptElement).textContent = '{"data": []}';
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(gd(el).data.length).to.equal(1);
  });

  it('reports figure problems as plotly-stream-error and still draws', async () => {
    const el = document.createElement('plotly-stream');
    const error = oneEvent(el, 'plotly-stream-error');
    el.figure = { data: [{ y: [1], stream: { token: 'bad token' } }] };
    const { detail } = await error;
    expect(detail.code).to.equal('bad-figure');
    expect(detail.message).to.match(/stream\.token/);
    document.body.append(el);
    await oneEvent(el, 'plotly-stream-render');
    expect(gd(el).data[0]!['y']).to.deep.equal([1]);
    el.remove();
  });

  it("keeps the graph div in light DOM so Plotly's document styles apply (modebar, hover)", async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream .figure=${{ data: [{ y: [1, 3, 2] }] }}></plotly-stream>`,
    );
    await oneEvent(el, 'plotly-stream-render');
    expect(el.graphDiv!.parentNode).to.equal(el);
    const modebar = el.graphDiv!.querySelector('.modebar') as HTMLElement;
    expect(modebar).to.exist;
    // Plotly's injected stylesheet positions the modebar absolutely; in a shadow root it would not.
    expect(getComputedStyle(modebar).position).to.equal('absolute');
  });

  it('events bubble and are composed', async () => {
    const el = document.createElement('plotly-stream');
    const host = document.createElement('div');
    host.attachShadow({ mode: 'open' }).append(el);
    document.body.append(host);
    const bubbled = oneEvent(document, 'plotly-stream-error');
    el.write('nope', 'not json');
    const event = await bubbled;
    expect(event.bubbles).to.equal(true);
    expect(event.composed).to.equal(true);
    host.remove();
  });
});
