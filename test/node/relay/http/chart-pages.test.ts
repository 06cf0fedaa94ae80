/**
 * A hosted chart's page, embed and subscription on a real relay: the page holds the chart's figure
 * and element and never a stream token; its viewers (WebSocket and SSE) get the tokens' points by
 * their names; a private chart needs its share key, and says so.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { signReadToken } from '../../../../src/relay/access/read-access.js';
import { createRelay, type Relay } from '../../../../src/relay/index.js';
import { get, post, sseSubscribe, wsSubscribe } from '../../../support/relay-clients.js';

function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

const figure = (a: string, b: string) => ({
  data: [
    { y: [], name: 'a', stream: { token: a, maxpoints: 50 } },
    { y: [], name: 'b', stream: { token: b } },
  ],
  layout: { title: { text: 'Tank <levels> & "flows"' } },
});

/** The figure a page holds, from its element's JSON. */
function figureOfPage(html: string): { data: Array<{ stream: { token: string } }> } {
  const json = /<script type="application\/json">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
  return JSON.parse(json) as { data: Array<{ stream: { token: string } }> };
}

describe('hosted chart pages and their viewers', () => {
  let relay: Relay;
  before(async () => (relay = await createRelay({ port: 0, log: () => undefined })));
  after(() => relay.close());

  it('serves the page and the embed: the figure, its title, the element, and no stream token', async () => {
    const made = await postJson(`${relay.url}/api/charts`, figure('tank-token-a1', 'tank-token-b2'));
    for (const path of [`/charts/${String(made['id'])}`, `/charts/${String(made['id'])}/embed`]) {
      const page = await get(`${relay.url}${path}`);
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /text\/html/);
      assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
      assert.ok(!page.body.includes('tank-token'), `no stream token in ${path}`);
      assert.match(page.body, /<title>Tank &#60;levels&#62; &#38; &#34;flows&#34;<\/title>/);
      assert.match(page.body, /<script src="\/plotly-stream\.js"><\/script>/);
      assert.match(page.body, new RegExp(`<plotly-stream src="/charts/${String(made['id'])}">`));
      const shown = figureOfPage(page.body);
      assert.match(shown.data[0]?.stream.token ?? '', /^s-/);
      assert.equal(path.endsWith('/embed'), !page.body.includes('<h1>'), 'the embed has no page chrome');
    }
    assert.equal((await get(`${relay.url}/charts/nochart1`)).status, 404);
    assert.equal((await get(`${relay.url}/charts/a%2Fb`)).status, 404);
    assert.equal((await get(`${relay.url}/charts/__proto__/embed`)).status, 404);
  });

  it("its viewers get each token's points by its name, over WebSocket and SSE, resuming by name", async () => {
    const made = await postJson(`${relay.url}/api/charts`, figure('live-token-a', 'live-token-b'));
    const names = figureOfPage((await get(`${relay.url}/charts/${String(made['id'])}`)).body).data.map(
      (t) => t.stream.token,
    );
    const base = `${relay.url}/charts/${String(made['id'])}`;
    const query = `token=${names[0]}&token=${names[1]}&runs=1&columns=1`;
    const ws = await wsSubscribe(base, query);
    const sse = await sseSubscribe(base, query);
    await post(`${relay.url}/`, '{"y": 1}\n{"y": 2}\n', { 'plotly-streamtoken': 'live-token-a' });
    await post(`${relay.url}/`, '{"y": 3}\n', { 'plotly-streamtoken': 'live-token-b' });
    for (const viewer of [ws, sse]) {
      await viewer.untilMessages(3);
      assert.ok(!JSON.stringify(viewer.events).includes('live-token'), 'no event names a stream token');
      const tokens = new Set(viewer.events.flatMap((e) => ('token' in e ? [e.token] : [])));
      assert.deepEqual([...tokens].sort(), [...names].sort());
    }
    assert.ok(sse.lastId !== null && !sse.lastId.includes('live-token') && sse.lastId.includes(names[0] as string));
    ws.socket.close();
    sse.close();
    // A name that is not the chart's is refused alone; a token is not a name.
    const stray = await wsSubscribe(base, `token=${names[0]}&token=live-token-b`);
    await stray.until((events) => events.some((e) => e.type === 'error'));
    stray.socket.close();
  });

  it("a private chart's page and subscription need its share key, and say so without it", async () => {
    const made = await postJson(`${relay.url}/api/charts`, {
      ...figure('hidden-token-a', 'hidden-token-b'),
      worldReadable: false,
    });
    const id = String(made['id']);
    const shareKey = String(made['shareKey']);
    const refused = await get(`${relay.url}/charts/${id}`);
    assert.equal(refused.status, 403);
    assert.match(refused.body, /This chart is private/);
    assert.ok(!refused.body.includes('hidden-token'));
    const page = await get(`${relay.url}/charts/${id}?share_key=${shareKey}`);
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`access-token="${shareKey}"`));
    const closed = await wsSubscribe(`${relay.url}/charts/${id}`, 'runs=1');
    assert.equal((await closed.closed).code, 4403);
    const sseRefused = await get(`${relay.url}/charts/${id}/subscribe`, { accept: 'text/event-stream' });
    assert.equal(sseRefused.status, 403);
    const allowed = await wsSubscribe(`${relay.url}/charts/${id}`, `runs=1&access_token=${shareKey}`);
    await post(`${relay.url}/`, '{"y": 7}\n', { 'plotly-streamtoken': 'hidden-token-a' });
    await allowed.untilMessages(1);
    allowed.socket.close();
  });
});

describe('a private chart on a relay with private streams: a read token that covers its streams opens it', () => {
  const secret = 'a-read-secret-of-at-least-32-bytes!!';
  let relay: Relay;
  before(async () => (relay = await createRelay({ port: 0, readSecret: secret, log: () => undefined })));
  after(() => relay.close());

  it('the page, its subscription and the API take a covering read token instead of the share key; one that does not cover is refused', async () => {
    const made = await postJson(`${relay.url}/api/charts`, { ...figure('plant-a', 'plant-b'), worldReadable: false });
    const id = String(made['id']);
    const covering = await signReadToken({ streams: ['plant-*'], expiresIn: 60 }, secret);
    const partial = await signReadToken({ streams: ['plant-a'], expiresIn: 60 }, secret);
    const page = await get(`${relay.url}/charts/${id}?access_token=${covering}`);
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(`access-token="${covering}"`), 'the element subscribes with the read token');
    assert.ok(!page.body.includes('plant-a') && !page.body.includes('plant-b'), 'still no stream token');
    assert.equal((await get(`${relay.url}/charts/${id}/embed?access_token=${partial}`)).status, 403);
    assert.equal((await get(`${relay.url}/charts/${id}`)).status, 403);
    const api = await get(`${relay.url}/api/charts/${id}`, { authorization: `Bearer ${covering}` });
    assert.equal(api.status, 200);
    assert.ok(!api.body.includes('plant-a'), 'a read token reads the figure as viewers get it');
    assert.equal((await get(`${relay.url}/api/charts/${id}`, { authorization: `Bearer ${partial}` })).status, 403);
    const refused = await wsSubscribe(`${relay.url}/charts/${id}`, `access_token=${partial}`);
    assert.equal((await refused.closed).code, 4403);
    const viewer = await wsSubscribe(`${relay.url}/charts/${id}`, `runs=1&access_token=${covering}`);
    await post(`${relay.url}/`, '{"y": 9}\n', { 'plotly-streamtoken': 'plant-b' });
    await viewer.untilMessages(1);
    // An edit that streams a token the read token does not cover ends that viewer.
    const edited = await new Promise<number>((resolve, reject) => {
      const request = http.request(
        `${relay.url}/api/charts/${id}`,
        { method: 'PATCH', headers: { authorization: `Bearer ${String(made['editKey'])}` } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end(JSON.stringify({ figure: figure('plant-a', 'office-c') }));
    });
    assert.equal(edited, 200);
    assert.equal((await viewer.closed).code, 4403);
  });
});

describe("a hosted chart's edits reach its viewers at once", () => {
  let relay: Relay;
  before(async () => (relay = await createRelay({ port: 0, log: () => undefined })));
  after(() => relay.close());

  function call(url: string, method: string, body: unknown, key: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const request = http.request(url, { method, headers: { authorization: `Bearer ${key}` } }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      request.on('error', reject);
      request.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  it('a figure event at the start and at each edit: new traces subscribed by their names, dropped ones not; no token in any', async () => {
    const made = await postJson(`${relay.url}/api/charts`, figure('edit-token-a', 'edit-token-b'));
    const api = `${relay.url}/api/charts/${String(made['id'])}`;
    const key = String(made['editKey']);
    const base = `${relay.url}/charts/${String(made['id'])}`;
    const viewer = await wsSubscribe(base, 'runs=1&columns=1');
    const sse = await sseSubscribe(base, 'runs=1');
    const figures = (events: typeof viewer.events) =>
      events.flatMap((e) =>
        e.type === 'figure'
          ? [
              e as unknown as {
                revision: number;
                figure: { layout: { title: { text: string } }; data: Array<{ stream?: { token: string } }> };
              },
            ]
          : [],
      );
    for (const v of [viewer, sse]) await v.until((events) => figures(events).length === 1);
    assert.equal(figures(viewer.events)[0]?.revision, 1);
    assert.equal(await call(api, 'PATCH', { layout: { title: { text: 'Edited' } } }, key), 200);
    for (const v of [viewer, sse]) {
      await v.until((events) => figures(events).length === 2);
      assert.equal(figures(v.events)[1]?.figure.layout.title.text, 'Edited');
      assert.equal(figures(v.events)[1]?.revision, 2);
    }
    // A new figure: token b dropped, token c added.
    const next = { data: [figure('edit-token-a', 'x').data[0], { y: [], stream: { token: 'edit-token-c' } }] };
    assert.equal(await call(api, 'PATCH', { figure: next }, key), 200);
    await viewer.until((events) => figures(events).length === 3);
    const names = figures(viewer.events)[2]?.figure.data.map((t) => t.stream?.token) ?? [];
    await post(`${relay.url}/`, '{"y": 5}\n', { 'plotly-streamtoken': 'edit-token-c' });
    await post(`${relay.url}/`, '{"y": 6}\n', { 'plotly-streamtoken': 'edit-token-b' });
    await post(`${relay.url}/`, '{"y": 7}\n', { 'plotly-streamtoken': 'edit-token-a' });
    await viewer.until((events) => events.some((e) => e.type === 'run' && e.token === names[0]));
    const tokensSeen = new Set(viewer.events.flatMap((e) => (e.type === 'run' ? [e.token] : [])));
    assert.ok(tokensSeen.has(names[1] as string), 'the new token, by its name');
    assert.equal(tokensSeen.size, 2, `the dropped token is no longer sent: ${[...tokensSeen].join(', ')}`);
    assert.ok(!JSON.stringify(viewer.events).includes('edit-token'), 'no event names a stream token');
    const json = JSON.parse((await get(`${relay.url}/metrics?format=json`)).body);
    assert.equal(json.tokens['edit-token-c'].subscribers, 2);
    assert.equal(json.tokens['edit-token-b'].subscribers, 0);
    // Deleted: its viewers end with the reason.
    assert.equal(await call(api, 'DELETE', undefined, key), 204);
    assert.deepEqual(await viewer.closed, { code: 4403, reason: 'this chart was deleted' });
    sse.close();
  });

  it('a chart made private ends the viewers that came without its share key', async () => {
    const made = await postJson(`${relay.url}/api/charts`, figure('private-later-a', 'private-later-b'));
    const viewer = await wsSubscribe(`${relay.url}/charts/${String(made['id'])}`, 'runs=1');
    await viewer.until((events) => events.some((e) => e.type === 'figure'));
    assert.equal(
      await call(
        `${relay.url}/api/charts/${String(made['id'])}`,
        'PATCH',
        { worldReadable: false },
        String(made['editKey']),
      ),
      200,
    );
    assert.equal((await viewer.closed).code, 4403);
  });
});

const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

describe('hosted charts and the subscribe rate', () => {
  it(
    'pages and API calls are held to the client address subscribe rate (a page reads and parses its chart): 429',
    { skip: external === undefined ? 'this machine has no non-loopback IPv4 address' : false },
    async () => {
      const relay = await createRelay({ port: 0, host: external as string, subscribeRate: 1, log: () => undefined });
      try {
        const made = await postJson(`${relay.url}/api/charts`, figure('rate-a', 'rate-b'));
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await get(`${relay.url}/charts/${String(made['id'])}`)).status);
        const refusedApi = await get(`${relay.url}/api/charts/${String(made['id'])}`);
        assert.deepEqual(statuses, [200, 200, 429], 'the burst of three: one for the POST, two pages');
        assert.equal(refusedApi.status, 429);
        assert.equal(refusedApi.headers['retry-after'], '1');
      } finally {
        await relay.close();
      }
    },
  );
});
