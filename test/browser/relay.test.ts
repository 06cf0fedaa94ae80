import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/index.js';
import type { PlotlyStreamElement, StreamState } from '../../src/element.js';
import { ManualFrames } from '../support/manual-frames.js';
import { MockRelay, RELAY, SSE_ONLY_RELAY, startMockRelay } from '../support/mock-relay.js';
import { trackTimers } from '../support/timers.js';

type GraphDiv = HTMLDivElement & { data: Array<Record<string, any>> };
const gd = (el: PlotlyStreamElement) => el.graphDiv as GraphDiv;

/** Resolves when the element reaches a state. */
function reach(el: PlotlyStreamElement, state: StreamState): Promise<void> {
  if (el.state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (event: CustomEvent<{ state: StreamState }>) => {
      if (event.detail.state !== state) return;
      el.removeEventListener('plotly-stream-state', listener);
      resolve();
    };
    el.addEventListener('plotly-stream-state', listener);
  });
}

/** Resolves when the plotted y of trace 0 satisfies `test` (checked after each frame). */
function drawn(el: PlotlyStreamElement, test: (y: unknown[]) => boolean, trace = 0): Promise<unknown[]> {
  const current = () => (gd(el)?.data?.[trace]?.['y'] as unknown[] | undefined) ?? [];
  if (test(current())) return Promise.resolve(current());
  return new Promise((resolve) => {
    const listener = () => {
      if (!test(current())) return;
      el.removeEventListener('plotly-stream-render', listener);
      resolve(current());
    };
    el.addEventListener('plotly-stream-render', listener);
  });
}

const figure = (maxpoints = 500) => ({ data: [{ y: [], stream: { token: 'A', maxpoints } }] });

let relay: MockRelay;

describe('<plotly-stream> with a relay', () => {
  beforeEach(async () => {
    relay = await startMockRelay();
  });

  for (const transport of ['websocket', 'sse'] as const) {
    it(`${transport}: a new subscriber gets the history, then live messages`, async () => {
      relay.publish('A', { y: 1 });
      relay.publish('A', { y: 2 });
      const el = await fixture<PlotlyStreamElement>(
        html`<plotly-stream src=${RELAY} transport=${transport} .figure=${figure()}></plotly-stream>`,
      );
      await reach(el, 'live');
      await el.updateComplete;
      const label = el.shadowRoot!.querySelector('[part="badge"] .label') as HTMLElement;
      expect(getComputedStyle(label).display, 'live shows the dot alone').to.equal('none');
      await drawn(el, (y) => y.length === 2);
      await relay.waitFor((r) => r.subscribers.size === 1);
      expect([...relay.subscribers][0]!.kind).to.equal(transport);
      relay.publish('A', { y: 3 });
      expect(await drawn(el, (y) => y.length === 3)).to.deep.equal([1, 2, 3]);
      expect(relay.urls[0]!.searchParams.getAll('token')).to.deep.equal(['A']);
      el.remove();
    });
  }

  it('subscribes once for all its tokens', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream
        src=${RELAY}
        transport="websocket"
        .figure=${{
          data: [
            { y: [], stream: { token: 'A' } },
            { y: [], stream: { token: 'B' } },
            { y: [], stream: { token: 'A' } },
          ],
        }}
      ></plotly-stream>`,
    );
    await relay.waitFor((r) => r.subscribers.size === 1);
    expect(relay.urls.length).to.equal(1);
    expect(relay.urls[0]!.searchParams.getAll('token')).to.deep.equal(['A', 'B']);
    relay.publish('B', { y: 5 });
    await drawn(el, (y) => y.length === 1, 1);
    el.remove();
  });

  it('auto falls back to SSE when the WebSocket cannot open', async () => {
    relay.publish('A', { y: 1 });
    const states: string[] = [];
    const el = document.createElement('plotly-stream');
    el.addEventListener('plotly-stream-state', (e) => states.push(`${e.detail.state}: ${e.detail.reason}`));
    el.src = SSE_ONLY_RELAY;
    el.figure = figure();
    document.body.append(el);
    await relay.waitFor((r) => r.subscribers.size === 1);
    expect([...relay.subscribers][0]!.kind).to.equal('sse');
    await drawn(el, (y) => y.length === 1);
    expect(relay.urls.length).to.equal(1);
    expect(states).to.deep.equal(['connecting: start', 'live: sse subscribed']);
    el.remove();
  });

  for (const transport of ['websocket', 'sse'] as const) {
    it(`${transport}: reconnects after a server-side close, sends resume positions, no gap, no duplicate`, async () => {
      const el = await fixture<PlotlyStreamElement>(
        html`<plotly-stream src=${RELAY} transport=${transport} .figure=${figure()}></plotly-stream>`,
      );
      await relay.waitFor((r) => r.subscribers.size === 1);
      for (let i = 1; i <= 5; i++) relay.publish('A', { y: i });
      await drawn(el, (y) => y.length === 5);
      const reconnecting = reach(el, 'reconnecting');
      relay.closeAll();
      await reconnecting;
      for (let i = 6; i <= 8; i++) relay.publish('A', { y: i }); // sent while nobody listens
      await reach(el, 'live');
      await relay.waitFor((r) => r.subscribers.size === 1);
      expect(relay.urls[1]!.searchParams.getAll('resume')).to.deep.equal(['A:e1:5']);
      relay.publish('A', { y: 9 });
      expect(await drawn(el, (y) => y.length >= 9)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(el.stats.reconnects).to.equal(1);
      el.remove();
    });
  }

  it('drops data it already has (same epoch, offset not beyond its position)', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream src=${RELAY} transport="websocket" .figure=${figure()}></plotly-stream>`,
    );
    await relay.waitFor((r) => r.subscribers.size === 1);
    relay.publish('A', { y: 1 });
    relay.sendRaw(JSON.stringify({ type: 'data', token: 'A', epoch: 'e1', offset: 1, message: { y: 1 } }));
    relay.publish('A', { y: 2 });
    expect(await drawn(el, (y) => y.length >= 2)).to.deep.equal([1, 2]);
    el.remove();
  });

  it('on reset (relay restarted: new epoch) the line breaks, keeping its points, and the replay follows', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream src=${RELAY} transport="websocket" .figure=${figure()}></plotly-stream>`,
    );
    await relay.waitFor((r) => r.subscribers.size === 1);
    for (let i = 1; i <= 3; i++) relay.publish('A', { y: i });
    await drawn(el, (y) => y.length === 3);
    relay.restart('e2');
    relay.publish('A', { y: 100 });
    const reset = oneEvent(el, 'plotly-stream-reset');
    relay.closeAll();
    expect((await reset).detail.token).to.equal('A');
    expect(await drawn(el, (y) => y.at(-1) === 100)).to.deep.equal([1, 2, 3, null, 100]);
    expect(relay.urls[1]!.searchParams.getAll('resume')).to.deep.equal(['A:e1:3']);
    el.remove();
  });

  it('on reset (the gap left history) the line breaks across the hole and the history window follows', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream src=${RELAY} transport="websocket" .figure=${figure()}></plotly-stream>`,
    );
    await relay.waitFor((r) => r.subscribers.size === 1);
    relay.publish('A', { y: 1 });
    await drawn(el, (y) => y.length === 1);
    const reconnecting = reach(el, 'reconnecting');
    relay.closeAll();
    await reconnecting;
    for (let i = 2; i <= 10; i++) relay.publish('A', { y: i });
    relay.forget('A', 3);
    expect(await drawn(el, (y) => y.at(-1) === 10)).to.deep.equal([1, null, 8, 9, 10]);
    el.remove();
  });

  it('goes stale after stale-after ms of silence, live again on data, and reconnects after twice that', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream src=${RELAY} transport="websocket" stale-after="300" .figure=${figure()}></plotly-stream>`,
    );
    await reach(el, 'live');
    await reach(el, 'stale');
    expect(el.getAttribute('state')).to.equal('stale');
    relay.publish('A', { y: 1 });
    await reach(el, 'live');
    // A heartbeat also counts as life.
    await reach(el, 'stale');
    relay.heartbeat();
    await reach(el, 'live');
    // Silence for twice stale-after: the connection is presumed dead and replaced.
    const state = oneEvent(el, 'plotly-stream-state');
    await reach(el, 'stale');
    await reach(el, 'reconnecting');
    expect((await state).detail).to.have.property('previous');
    await reach(el, 'live');
    expect(relay.urls.length).to.equal(2);
    el.remove();
  });

  it('reports frames that break the protocol, and keeps the good events', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream src=${RELAY} transport="websocket" .figure=${figure()}></plotly-stream>`,
    );
    await relay.waitFor((r) => r.subscribers.size === 1);
    const error = oneEvent(el, 'plotly-stream-error');
    relay.sendRaw('this is not json');
    expect((await error).detail.code).to.equal('protocol');
    const badMessage = oneEvent(el, 'plotly-stream-error');
    relay.sendRaw(
      JSON.stringify([
        { type: 'data', token: 'A', epoch: 'e1', offset: 7, message: 'no' },
        { type: 'data', token: 'A', epoch: 'e1', offset: 8, message: { y: 8 } },
      ]),
    );
    expect((await badMessage).detail.code).to.equal('protocol');
    expect(await drawn(el, (y) => y.length === 1)).to.deep.equal([8]);
    expect(el.state).to.equal('live');
    el.remove();
  });

  it('stops with an error when the relay refuses the subscription (close code 4400)', async () => {
    relay.acceptWebSocket = false;
    relay.refuseCode = 4400;
    const el = document.createElement('plotly-stream');
    el.src = RELAY;
    el.transport = 'websocket';
    el.figure = figure();
    const error = oneEvent(el, 'plotly-stream-error');
    const closed = reach(el, 'closed');
    document.body.append(el);
    expect((await error).detail.code).to.equal('connection');
    await closed;
    expect(relay.urls.length).to.equal(0);
    el.remove();
  });

  it('reports a src that is not a URL', async () => {
    const el = document.createElement('plotly-stream');
    el.src = 'http://[nope';
    el.figure = figure();
    const error = oneEvent(el, 'plotly-stream-error');
    document.body.append(el);
    expect((await error).detail.message).to.match(/src is not a valid URL/);
    expect(el.state).to.equal('closed');
    el.remove();
  });

  it('reconnect() connects again at once and resumes', async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream src=${RELAY} transport="sse" .figure=${figure()}></plotly-stream>`,
    );
    await relay.waitFor((r) => r.subscribers.size === 1);
    relay.publish('A', { y: 1 });
    await drawn(el, (y) => y.length === 1);
    el.reconnect();
    await relay.waitFor((r) => r.urls.length === 2);
    expect(relay.urls[1]!.searchParams.getAll('resume')).to.deep.equal(['A:e1:1']);
    el.remove();
  });

  it("changing src or the figure's tokens resubscribes", async () => {
    const el = await fixture<PlotlyStreamElement>(
      html`<plotly-stream src=${RELAY} transport="websocket" .figure=${figure()}></plotly-stream>`,
    );
    await relay.waitFor((r) => r.subscribers.size === 1);
    el.figure = { data: [{ y: [], stream: { token: 'B' } }] };
    await relay.waitFor((r) => r.urls.length === 2 && r.subscribers.size === 1);
    expect(relay.urls[1]!.searchParams.getAll('token')).to.deep.equal(['B']);
    el.src = null;
    await relay.waitFor((r) => r.subscribers.size === 0);
    await reach(el, 'idle');
    el.remove();
  });

  it('removal closes the socket, cancels the frame and timers, purges the plot; re-adding starts again', async () => {
    const timers = trackTimers();
    try {
      const frames = new ManualFrames();
      const el = await fixture<PlotlyStreamElement>(
        html`<plotly-stream
          src=${RELAY}
          transport="websocket"
          .frameScheduler=${frames}
          .figure=${figure()}
        ></plotly-stream>`,
      );
      await reach(el, 'live');
      frames.tick();
      el.write('A', { y: 1 });
      expect(frames.pending).to.equal(1);
      expect(timers.ours().length).to.be.greaterThan(0); // the silence watch
      const closed = reach(el, 'closed');
      const parent = el.parentElement!;
      el.remove();
      await closed;
      await relay.waitFor((r) => r.subscribers.size === 0);
      expect(frames.pending).to.equal(0);
      expect(timers.ours()).to.deep.equal([]);
      expect(gd(el).data).to.equal(undefined);

      // While reconnecting (a retry timer pending), removal clears that timer too.
      parent.append(el);
      await relay.waitFor((r) => r.subscribers.size === 1);
      const reconnecting = reach(el, 'reconnecting');
      relay.acceptWebSocket = false;
      relay.closeAll();
      await reconnecting;
      el.remove();
      expect(timers.ours()).to.deep.equal([]);
    } finally {
      timers.restore();
    }
  });
});
