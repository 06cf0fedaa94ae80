/**
 * `plot()` from plotly-stream/producer against a real relay: a chart made, shared by its link,
 * streamed to, edited (its viewers get the new figure without a reload) and deleted; private
 * charts; the relay's refusals as ChartError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChartError, createProducer, plot } from '../../../src/producer/index.js';
import { createRelay, type Relay } from '../../../src/relay/index.js';
import { get, sseSubscribe } from '../../support/relay-clients.js';

describe('plotly-stream/producer: plot() and HostedChart', () => {
  let relay: Relay;
  let keyed: Relay;
  before(async () => {
    relay = await createRelay({ port: 0, log: () => undefined });
    keyed = await createRelay({ port: 0, keys: new Map([['node-keyed', 'secret-key']]), log: () => undefined });
  });
  after(async () => {
    await relay.close();
    await keyed.close();
  });

  it('makes a chart whose link shows the points a producer streams; update() reaches its viewers; delete() ends it', async () => {
    const chart = await plot(relay.url, {
      data: [{ y: [], stream: { token: 'node-chart', maxpoints: 50 } }],
      layout: { title: { text: 'Boiler' } },
    });
    assert.equal(chart.url, `${relay.url}/charts/${chart.id}`);
    assert.equal(chart.embedUrl, `${chart.url}/embed`);
    assert.equal(chart.shareKey, null);
    const page = await get(chart.url);
    assert.match(page.body, /Boiler/);
    const name = /"token":"(s-[\w-]+)"/.exec(page.body)?.[1] as string;
    const viewer = await sseSubscribe(chart.url, `token=${name}`);
    const producer = createProducer(relay.url, 'node-chart');
    producer.write({ y: 1 });
    producer.write({ y: 2 });
    await producer.close();
    await viewer.untilMessages(2);
    assert.equal(await chart.update({ layout: { title: { text: 'Boiler 2' } } }), 2);
    await viewer.until((events) => events.some((e) => e.type === 'figure' && JSON.stringify(e).includes('Boiler 2')));
    assert.deepEqual((await chart.figure()).layout, { title: { text: 'Boiler 2' } });
    await chart.delete();
    assert.equal((await get(chart.url)).status, 404);
    viewer.close();
  });

  it('a private chart carries its share key in its links; the relay refuses what it must, as ChartError', async () => {
    const secret = await plot(relay.url, { data: [] }, { worldReadable: false });
    assert.match(secret.url, /\?share_key=/);
    assert.equal((await get(secret.url)).status, 200);
    assert.equal((await get(secret.url.split('?')[0] as string)).status, 403);
    await assert.rejects(
      plot(keyed.url, { data: [{ y: [], stream: { token: 'node-keyed' } }] }),
      (error: unknown) => error instanceof ChartError && error.status === 401 && error.code === 'unauthorized',
    );
    const made = await plot(keyed.url, { data: [{ y: [], stream: { token: 'node-keyed' } }] }, { key: 'secret-key' });
    await assert.rejects(
      made.update({ layout: 'not an object' as unknown as Record<string, unknown> }),
      (error: unknown) =>
        error instanceof ChartError && error.status === 400 && /"layout" must be an object/.test(error.message),
    );
  });
});
