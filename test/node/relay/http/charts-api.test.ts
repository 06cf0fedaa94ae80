/**
 * `/api/charts` on a real relay with real HTTP: making, reading, editing and deleting hosted
 * charts; viewers never get a stream token; private charts; write keys; the bounds; hostile bodies.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { MemoryEngine } from '../../../../src/relay/engines/memory-engine.js';
import { createRelay, type Relay } from '../../../../src/relay/index.js';
import { RedisServer, skipWithoutRedis } from '../../../../scripts/redis-server.js';
import { get, post, sseSubscribe } from '../../../support/relay-clients.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/** A JSON request (a body given as a string goes as it is). */
function call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const request = http.request(
      url,
      { method, headers: { 'content-type': 'application/json', ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
          } catch {
            // not JSON: the test looks at `text`
          }
          resolve({ status: response.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

const bearer = (key: unknown) => ({ authorization: `Bearer ${String(key)}` });

const figure = {
  data: [
    { x: [], y: [], name: 'temperature', stream: { token: 'secret-token-1', maxpoints: 100 } },
    { x: [], y: [], stream: { token: 'secret-token-2' } },
  ],
  layout: { title: { text: 'Plant' } },
  config: { responsive: true },
};

describe('/api/charts', () => {
  let relay: Relay;
  before(async () => (relay = await createRelay({ port: 0, log: () => undefined })));
  after(() => relay.close());

  it('makes a chart (201: id, url, embedUrl, editKey) whose viewers get its figure without a stream token', async () => {
    const made = await call(`${relay.url}/api/charts`, 'POST', figure);
    assert.equal(made.status, 201, made.text);
    const id = made.body['id'] as string;
    assert.match(id, /^[A-Za-z0-9]{11}$/);
    assert.equal(made.body['url'], `${relay.url}/charts/${id}`);
    assert.equal(made.body['embedUrl'], `${relay.url}/charts/${id}/embed`);
    assert.equal(typeof made.body['editKey'], 'string');
    const viewed = await call(`${relay.url}/api/charts/${id}`, 'GET');
    assert.equal(viewed.status, 200);
    assert.ok(!viewed.text.includes('secret-token'), `a viewer never sees a stream token: ${viewed.text}`);
    const shown = viewed.body['figure'] as typeof figure;
    assert.equal(shown.layout.title.text, 'Plant');
    assert.equal(shown.data[0]?.stream.maxpoints, 100);
    assert.match(shown.data[0]?.stream.token ?? '', /^s-[\w-]{16}$/);
    assert.notEqual(shown.data[0]?.stream.token, shown.data[1]?.stream.token);
    const edited = await call(`${relay.url}/api/charts/${id}`, 'GET', undefined, bearer(made.body['editKey']));
    assert.deepEqual(edited.body['figure'], figure, 'its editor gets it as stored');
  });

  it('edits with the edit key only (layout, trace styles, a new figure), one revision each', async () => {
    const made = await call(`${relay.url}/api/charts`, 'POST', figure);
    const url = `${relay.url}/api/charts/${String(made.body['id'])}`;
    assert.equal((await call(url, 'PATCH', { layout: { title: { text: 'x' } } })).status, 401);
    assert.equal((await call(url, 'PATCH', { layout: {} }, bearer('not-the-key'))).status, 401);
    const key = bearer(made.body['editKey']);
    const first = await call(url, 'PATCH', { layout: { title: { text: 'Plant 2' }, height: 300 } }, key);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body['revision'], 2);
    const styles = await call(
      url,
      'PATCH',
      { data: [{ line: { color: 'red' } }, null], layout: { height: null } },
      key,
    );
    assert.equal(styles.body['revision'], 3);
    const stored = (await call(url, 'GET', undefined, key)).body['figure'] as Record<string, Record<string, unknown>>;
    assert.deepEqual(stored['layout'], { title: { text: 'Plant 2' } });
    assert.deepEqual((stored['data'] as unknown as Array<Record<string, unknown>>)[0]?.['line'], { color: 'red' });
    const replaced = await call(url, 'PATCH', { figure: { data: [{ y: [1, 2] }] } }, key);
    assert.equal(replaced.body['revision'], 4);
    assert.deepEqual((await call(url, 'GET')).body['figure'], { data: [{ y: [1, 2] }], layout: {}, config: {} });
  });

  it('a private chart needs its share key (in the url it is given), or its edit key', async () => {
    const made = await call(`${relay.url}/api/charts`, 'POST', { ...figure, worldReadable: false });
    const shareKey = made.body['shareKey'] as string;
    assert.equal(typeof shareKey, 'string');
    assert.match(made.body['url'] as string, new RegExp(`\\?share_key=${shareKey}$`));
    const url = `${relay.url}/api/charts/${String(made.body['id'])}`;
    const refused = await call(url, 'GET');
    assert.equal(refused.status, 403);
    assert.match(String(refused.body['reason']), /private/);
    assert.equal((await call(`${url}?share_key=wrong`, 'GET')).status, 403);
    assert.equal((await call(`${url}?share_key=${shareKey}`, 'GET')).status, 200);
    assert.equal((await call(url, 'GET', undefined, bearer(made.body['editKey']))).status, 200);
    const opened = await call(url, 'PATCH', { worldReadable: true }, bearer(made.body['editKey']));
    assert.equal(opened.body['worldReadable'], true);
    assert.equal((await call(url, 'GET')).status, 200);
  });

  it('deletes with the edit key; the chart is gone (404)', async () => {
    const made = await call(`${relay.url}/api/charts`, 'POST', figure);
    const url = `${relay.url}/api/charts/${String(made.body['id'])}`;
    assert.equal((await call(url, 'DELETE')).status, 401);
    assert.equal((await call(url, 'DELETE', undefined, bearer(made.body['editKey']))).status, 204);
    assert.equal((await call(url, 'GET')).status, 404);
  });

  it('answers what it cannot take with a status and a reason; ids and methods it does not know too', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      ['not json', 400, /not JSON/],
      ['[1]', 400, /not a JSON object/],
      [{ layout: {} }, 400, /"data" must be an array/],
      [{ data: [{ stream: { token: 'has space' } }] }, 400, /trace 0: stream.token/],
      [{ data: Array.from({ length: 101 }, () => ({})) }, 400, /at most 100 traces/],
      [{ data: [], worldReadable: 'no' }, 400, /worldReadable/],
      ['['.repeat(100_000), 400, /nests too deep/],
      [JSON.stringify({ data: [{ y: 'x'.repeat(1100 * 1024) }] }), 413, /longer than/],
    ];
    for (const [body, status, reason] of cases) {
      const answer = await call(`${relay.url}/api/charts`, 'POST', body);
      assert.equal(answer.status, status, `${String(body).slice(0, 40)}: ${answer.text}`);
      assert.match(String(answer.body['reason'] ?? answer.body['error']), reason);
    }
    assert.equal((await call(`${relay.url}/api/charts/nope`, 'GET')).status, 404);
    assert.equal((await call(`${relay.url}/api/charts/..%2F..`, 'GET')).status, 404);
    assert.equal((await call(`${relay.url}/api/charts/__proto__`, 'GET')).status, 404);
    assert.equal((await call(`${relay.url}/api/charts`, 'GET')).status, 405);
    const made = await call(`${relay.url}/api/charts`, 'POST', figure);
    assert.equal((await call(`${relay.url}/api/charts/${String(made.body['id'])}`, 'PUT')).status, 405);
  });

  it('keeps no unsafe key of a figure and pollutes nothing', async () => {
    const text =
      '{"data":[{"y":[1]}],"layout":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}}}}';
    const made = await call(`${relay.url}/api/charts`, 'POST', text);
    assert.equal(made.status, 201);
    const stored = await call(`${relay.url}/api/charts/${String(made.body['id'])}`, 'GET');
    assert.deepEqual((stored.body['figure'] as Record<string, unknown>)['layout'], {});
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('counts charts against their maker: past the bound, 429', async () => {
    const bounded = await createRelay({
      port: 0,
      engine: new MemoryEngine(
        { messages: 10, bytes: 1e5 },
        { maxFigureBytes: 1e5, maxChartsPerOwner: 2, maxCharts: 10, maxTotalBytes: 1e6 },
      ),
      log: () => undefined,
    });
    try {
      for (let i = 0; i < 2; i++) assert.equal((await call(`${bounded.url}/api/charts`, 'POST', figure)).status, 201);
      const refused = await call(`${bounded.url}/api/charts`, 'POST', figure);
      assert.equal(refused.status, 429);
      assert.match(String(refused.body['reason']), /you keep 2 charts/);
      const json = JSON.parse((await get(`${bounded.url}/metrics?format=json`)).body);
      assert.equal(json.refused['chart-owner-full'], 1);
    } finally {
      await bounded.close();
    }
  });

  it('with write keys: making a chart needs the key of each token it shows; that key may edit it too', async () => {
    const keyed = await createRelay({
      port: 0,
      keys: { 'secret-token-1': 'k1', 'secret-token-2': 'k2' },
      log: () => undefined,
    });
    try {
      const url = `${keyed.url}/api/charts`;
      assert.equal((await call(url, 'POST', figure)).status, 401);
      const partly = await call(url, 'POST', figure, { 'plotly-streamkey': 'k1' });
      assert.equal(partly.status, 401);
      assert.match(String(partly.body['reason']), /a chart may show only tokens its maker may write/);
      const one = await call(url, 'POST', { data: [figure.data[0]] }, { 'plotly-streamkey': 'k1' });
      assert.equal(one.status, 201, one.text);
      const chart = `${url}/${String(one.body['id'])}`;
      assert.equal((await call(chart, 'PATCH', { layout: { height: 2 } }, { 'plotly-streamkey': 'k1' })).status, 200);
      assert.equal((await call(chart, 'PATCH', { layout: { height: 2 } }, { 'plotly-streamkey': 'k2' })).status, 401);
    } finally {
      await keyed.close();
    }
  });
});

describe('hosted charts on Redis, across a relay restart', { skip: skipWithoutRedis }, () => {
  let redis: RedisServer;
  before(async () => (redis = await RedisServer.start()));
  after(async () => redis.stop());

  it("a chart made on one relay is served by the next on the same Redis: its page, its points, its edit key, its owner's names", async () => {
    const relayOn = () => createRelay({ port: 0, redis: redis.url, redisPrefix: 'restart:', log: () => undefined });
    const first = await relayOn();
    const made = await call(`${first.url}/api/charts`, 'POST', figure);
    assert.equal(made.status, 201, made.text);
    const plotted = await call(
      `${first.url}/clientresp`,
      'POST',
      `un=a&key=b&args=[{"y":[1]}]&kwargs={"filename":"kept","fileopt":"overwrite"}`,
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    assert.equal(plotted.status, 200, plotted.text);
    await first.close();
    const second = await relayOn();
    try {
      const id = made.body['id'] as string;
      const page = await get(`${second.url}/charts/${id}`);
      assert.equal(page.status, 200);
      assert.match(page.body, /Plant/);
      const edited = await call(
        `${second.url}/api/charts/${id}`,
        'PATCH',
        { layout: { title: { text: 'Plant 2' } } },
        bearer(made.body['editKey']),
      );
      assert.equal(edited.status, 200, 'the edit key still opens it');
      const again = await call(
        `${second.url}/clientresp`,
        'POST',
        `un=a&key=b&args=[{"y":[2]}]&kwargs={"filename":"kept","fileopt":"extend"}`,
        { 'content-type': 'application/x-www-form-urlencoded' },
      );
      assert.equal(
        new URL(String(again.body['url'])).pathname,
        new URL(String(plotted.body['url'])).pathname,
        'the name found after the restart',
      );
      const name = /"token":"(s-[\w-]+)"/.exec(page.body)?.[1] as string;
      const viewer = await sseSubscribe(`${second.url}/charts/${id}`, `token=${name}`);
      await post(`${second.url}/`, '{"y": 5}\n', { 'plotly-streamtoken': 'secret-token-1' });
      await viewer.untilMessages(1);
      viewer.close();
    } finally {
      await second.close();
    }
  });
});
