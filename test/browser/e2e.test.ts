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

describe('<plotly-stream> and a producer that tries to pollute the page', () => {
  /** Lines that would merge into Object.prototype if a message's keys were merged as they are. */
  const HOSTILE = [
    '{"layout":{"__proto__":{"polluted":"layout"}},"y":1}',
    '{"layout":{"constructor":{"prototype":{"polluted":"constructor"}}},"y":2}',
    '{"__proto__":{"polluted":"top"},"marker":{"__proto__":{"polluted":"marker"}},"y":3}',
    '{"layout":{"__proto__.polluted":"dotted","constructor.prototype.polluted":"dotted"},"y":4}',
    '{"\\u005f_proto__":{"polluted":"escaped"},"y":5}',
  ];
  const pollution = () =>
    [
      {} as Record<string, unknown>,
      Object.prototype as Record<string, unknown>,
      [] as unknown as Record<string, unknown>,
    ].map((o) => o['polluted']);

  afterEach(() => {
    // A failed run must not leave the page polluted for the tests after it.
    delete (Object.prototype as Record<string, unknown>)['polluted'];
  });

  for (const transport of ['websocket', 'sse'] as const) {
    it(`${transport}: the points are drawn and no prototype of the page changes (history and live)`, async () => {
      const relay = await relayUrl();
      const token = `pollute-${transport}`;
      const post = (lines: string[]) =>
        fetch(`${relay}/`, { method: 'POST', headers: { 'plotly-streamtoken': token }, body: `${lines.join('\n')}\n` });
      expect((await post(HOSTILE.slice(0, 3))).status).to.equal(200);
      const el = await fixture<PlotlyStreamElement>(
        html`<plotly-stream
          src=${relay}
          transport=${transport}
          .figure=${{ data: [{ y: [], stream: { token } }], layout: { title: { text: 't' } } }}
        ></plotly-stream>`,
      );
      expect(await drawn(el, 3)).to.deep.equal([1, 2, 3]);
      expect((await post(HOSTILE.slice(3))).status).to.equal(200);
      expect(await drawn(el, 5)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(pollution()).to.deep.equal([undefined, undefined, undefined]);
      expect((el.graphDiv as unknown as { layout: { title: { text: string } } }).layout.title.text).to.equal('t');
      el.remove();
    });
  }

  it('write() of such objects (parsed without a filter) draws their points and changes no prototype', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream .figure=${{ data: [{ y: [], stream: { token: 'w' } }] }}></plotly-stream>`,
    );
    for (const text of HOSTILE) el.write('w', JSON.parse(text));
    expect(await drawn(el, 5)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(pollution()).to.deep.equal([undefined, undefined, undefined]);
    el.remove();
  });
});

describe('<plotly-stream> with a relay of private streams', () => {
  const privateRelay = () => fetch('/__private-relay').then((r) => r.text());
  /** What an app backend gives a signed-in user (web-test-runner.config.js signs it). */
  const readToken = (streams: string[], expires = 3600) =>
    fetch(`/__read-token?streams=${streams.join(',')}&expires=${expires}`).then((r) => r.text());
  const errors = (el: PlotlyStreamElement) => {
    const seen: Array<{ code: string; message: string }> = [];
    el.addEventListener('plotly-stream-error', (e) => seen.push({ code: e.detail.code, message: e.detail.message }));
    return seen;
  };
  const closed = (el: PlotlyStreamElement) =>
    new Promise<void>((resolve) => {
      if (el.state === 'closed') resolve();
      el.addEventListener('plotly-stream-state', (e) => e.detail.state === 'closed' && resolve());
    });

  for (const transport of ['websocket', 'sse'] as const) {
    it(`${transport}: draws what a token from the app's backend covers, asked before each connect`, async () => {
      const relay = await privateRelay();
      const token = `private-${transport}`;
      await produce(relay, token, [{ y: 1 }, { y: 2 }]);
      let asked = 0;
      const el = await fixture<PlotlyStreamElement>(
        html`<plotly-stream
          src=${relay}
          transport=${transport}
          .accessToken=${async () => {
            asked++;
            return readToken([`private-*`]);
          }}
          .figure=${{ data: [{ y: [], stream: { token } }] }}
        ></plotly-stream>`,
      );
      expect(await drawn(el, 2)).to.deep.equal([1, 2]);
      expect(asked).to.equal(1);
      el.reconnect();
      await produce(relay, token, [{ y: 3 }]);
      expect(await drawn(el, 3)).to.deep.equal([1, 2, 3]);
      expect(asked).to.equal(2, 'asked again for the reconnect');
      el.remove();
    });

    it(`${transport}: a token that does not cover the figure's stream is forbidden; the element stops`, async () => {
      const relay = await privateRelay();
      const el = await fixture<PlotlyStreamElement>(
        html`<plotly-stream
          src=${relay}
          transport=${transport}
          access-token=${await readToken(['someone-else'])}
          .figure=${{ data: [{ y: [], stream: { token: 'mine' } }] }}
        ></plotly-stream>`,
      );
      const seen = errors(el);
      await closed(el);
      expect(seen.map((e) => e.code)).to.include('forbidden');
      expect(seen.find((e) => e.code === 'forbidden')?.message).to.match(/does not cover "mine"/);
      el.remove();
    });

    it(`${transport}: no token is unauthorized; setting one connects`, async () => {
      const relay = await privateRelay();
      const token = `late-${transport}`;
      await produce(relay, token, [{ y: 7 }]);
      const el = await fixture<PlotlyStreamElement>(
        html`<plotly-stream
          src=${relay}
          transport=${transport}
          .figure=${{ data: [{ y: [], stream: { token } }] }}
        ></plotly-stream>`,
      );
      const seen = errors(el);
      await closed(el);
      expect(seen.map((e) => e.code)).to.include('unauthorized');
      el.accessToken = await readToken([token]);
      expect(await drawn(el, 1)).to.deep.equal([7]);
      expect(el.state).to.equal('live');
      el.remove();
    });

    it(`${transport}: when the token expires the relay ends the connection; a function gives a new one and the stream goes on`, async () => {
      const relay = await privateRelay();
      const token = `expiring-${transport}`;
      let asked = 0;
      const el = await fixture<PlotlyStreamElement>(
        html`<plotly-stream
          src=${relay}
          transport=${transport}
          .accessToken=${() => readToken([token], asked++ === 0 ? 2 : 3600)}
          .figure=${{ data: [{ y: [], stream: { token } }] }}
        ></plotly-stream>`,
      );
      const seen = errors(el);
      await new Promise<void>((resolve) =>
        el.addEventListener('plotly-stream-error', (e) => e.detail.code === 'unauthorized' && resolve()),
      );
      expect(seen.find((e) => e.code === 'unauthorized')?.message).to.match(/expired/);
      await produce(relay, token, [{ y: 1 }]);
      expect(await drawn(el, 1)).to.deep.equal([1]);
      expect(asked).to.be.at.least(2);
      expect(el.state).to.equal('live');
      el.remove();
    });
  }
});
