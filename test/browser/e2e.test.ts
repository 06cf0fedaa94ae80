import { expect, fixture, html } from '@open-wc/testing';
import '../../src/index.js';
import type { PlotlyStreamElement } from '../../src/element.js';

/** The real relay the test server started (src/relay), and a producer that POSTs NDJSON to it. */
const relayUrl = () => fetch('/__relay').then((r) => r.text());
async function produce(relay: string, token: string, messages: object[]) {
  const response = await fetch(`${relay}/`, {
    method: 'POST',
    headers: { 'plotly-streamtoken': token, 'content-type': 'application/x-ndjson' },
    body: messages.map((m) => `${JSON.stringify(m)}\n`).join(''),
  });
  expect(response.status).to.equal(200);
  return response.json() as Promise<{ accepted: number }>;
}

function drawn(el: PlotlyStreamElement, count: number): Promise<unknown[]> {
  const y = () => ((el.graphDiv as unknown as { data?: Array<{ y: unknown[] }> }).data?.[0]?.y ?? []) as unknown[];
  return new Promise((resolve) => {
    const check = () => {
      if (y().length < count) return;
      el.removeEventListener('plotly-stream-render', check);
      resolve(y());
    };
    el.addEventListener('plotly-stream-render', check);
    check();
  });
}

describe('<plotly-stream> with the real relay', () => {
  for (const transport of ['websocket', 'sse'] as const) {
    it(`${transport}: history, then live points, from a producer's POST`, async () => {
      const relay = await relayUrl();
      const token = `e2e-${transport}`;
      await produce(relay, token, [{ y: 1 }, { y: 2 }]);
      const el = await fixture<PlotlyStreamElement>(
        html`<plotly-stream
          src=${relay}
          transport=${transport}
          .figure=${{ data: [{ y: [], stream: { token } }] }}
        ></plotly-stream>`,
      );
      expect(await drawn(el, 2)).to.deep.equal([1, 2]);
      expect(el.state).to.equal('live');
      const summary = await produce(relay, token, [{ y: 3 }, { layout: { title: { text: 'live' } } }, { y: 4 }]);
      expect(summary.accepted).to.equal(3);
      expect(await drawn(el, 4)).to.deep.equal([1, 2, 3, 4]);
      const layout = (el.graphDiv as unknown as { layout: { title: { text: string } } }).layout;
      expect(layout.title.text).to.equal('live');
      el.remove();
    });
  }
});
