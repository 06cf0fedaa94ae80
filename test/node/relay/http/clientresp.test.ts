/**
 * `POST /clientresp`, Plotly's v1 plot call, on a real relay: the real npm `plotly` 1.0.6 client's
 * `plot()` and `stream()` (https for the call, plain HTTP for the stream, as the package speaks),
 * chart_studio's bytes sent by python3 as `requests` sends them, Plotly's `fileopt`s, write keys,
 * and every refusal answered with the fields Plotly's clients read.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRelay, type Relay } from '../../../../src/relay/index.js';
import { selfSignedCertificate } from '../../../../scripts/certificate.js';
import { runNode, runPython } from '../../../support/child-clients.js';
import { closeStream, init, initLengths, openStream, plotInt } from '../../../support/arduino-library.js';
import { eventually, get, rawExchange, sseSubscribe } from '../../../support/relay-clients.js';

const FIELDS = ['url', 'stream-host', 'stream-status', 'filename', 'message', 'warning', 'error'];

interface Answer {
  status: number;
  body: Record<string, string>;
}

/** The plot call as a form body, as chart_studio sends it (each value percent-encoded). */
function form(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');
}

function plotCall(url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}/clientresp`,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          try {
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, string> });
          } catch {
            reject(new Error(`not JSON (${response.statusCode}): ${text}`));
          }
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const plot = (url: string, args: unknown, kwargs: unknown, extra: Record<string, string> = {}) =>
  plotCall(
    url,
    form({ un: 'jane', key: 'k', origin: 'plot', platform: 'python', version: '4', args, kwargs, ...extra }),
  );

/** The chart of an answer's URL, as its editor would read it (the API, with the write key when given). */
async function chartOf(
  relay: Relay,
  url: string,
): Promise<{ revision: number; figure: { data: unknown[]; layout: object } }> {
  const id = /\/charts\/(\w+)/.exec(url)?.[1] as string;
  const answer = await get(`${relay.url}/api/charts/${id}${new URL(url).search}`);
  assert.equal(answer.status, 200, answer.body);
  return JSON.parse(answer.body) as { revision: number; figure: { data: unknown[]; layout: object } };
}

function assertPlotlyAnswer(answer: Answer): void {
  assert.deepEqual(Object.keys(answer.body).sort(), [...FIELDS].sort(), 'exactly the fields Plotly answered');
  for (const field of FIELDS) assert.equal(typeof answer.body[field], 'string', field);
}

describe('/clientresp: the npm plotly 1.0.6 client, as it is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plotly-npm-'));
  const { cert, key } = selfSignedCertificate();
  writeFileSync(join(dir, 'cert.pem'), cert);
  const env = { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') };
  after(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * The seeds' example (plotly/plotly-nodejs README) but for the host: `plot()` then
   * `plotly.stream(token)`, points written as JSON lines. `streamArgs` is what `stream()` is given.
   */
  const seedsExample = (tlsPort: number, streamArgs: string) => `
    var plotly = require('plotly')({ username: 'jane', apiKey: 'k', host: 'localhost', port: ${tlsPort} });
    var data = [{ x: [], y: [], stream: { token: 'npm-seed-token', maxpoints: 200 } }];
    var layout = { fileopt: 'extend', filename: 'node node' };
    plotly.plot(data, layout, function (err, msg) {
      if (err) { console.log(JSON.stringify({ error: err.message })); process.exit(1); }
      var stream = plotly.stream(${streamArgs}, function (err, res) {
        console.log(JSON.stringify({ plot: msg, stream: err ? { error: err.message } : res }));
      });
      for (var i = 0; i < 5; i++) stream.write(JSON.stringify({ x: i, y: i * i }) + '\\n');
      stream.end();
    });`;

  async function runSeeds(relay: Relay, streamArgs: string) {
    const output = await runNode(seedsExample(relay.port, streamArgs), env);
    const result = JSON.parse(output) as {
      plot: { url: string; streamstatus: string; filename: string; error: string };
      stream: { statusCode?: number; error?: string };
    };
    assert.equal(result.plot.streamstatus, 'All Streams Go!');
    assert.equal(result.plot.error, '');
    assert.equal(result.plot.filename, 'node node');
    assert.match(result.plot.url, new RegExp(`^https://localhost:${relay.port}/charts/\\w{11}$`));
    assert.equal(result.stream.statusCode, 200, JSON.stringify(result.stream));
    // The URL's viewers get the points: its page's subscription, by the names the page holds.
    const page = await get(result.plot.url);
    assert.equal(page.status, 200);
    assert.ok(!page.body.includes('npm-seed-token'), 'the page holds no stream token');
    const name = /"token":"(s-[\w-]+)"/.exec(page.body)?.[1] as string;
    const viewer = await sseSubscribe(result.plot.url, `token=${name}&runs=1&columns=1`);
    await viewer.untilMessages(5);
    viewer.close();
    return result;
  }

  it('plot() over https, then stream(token) over plain HTTP to port 80 of the answered stream-host, as the seeds write it', async (t) => {
    let relay: Relay;
    try {
      relay = await createRelay({
        port: 0,
        host: 'localhost',
        tls: { cert, key },
        plainPort: 80,
        log: () => undefined,
      });
    } catch (error) {
      // Port 80 needs root (CI runs as root) and a free port 80.
      t.skip(`port 80 is not free to this test: ${(error as Error).message}`);
      return;
    }
    try {
      assert.equal(relay.plainUrl?.endsWith(':80'), true);
      await runSeeds(relay, "'npm-seed-token'");
    } finally {
      await relay.close();
    }
  });

  it('stream({token, port}) reaches a plain port other than 80; plot() again extends the chart of that filename', async () => {
    const relay = await createRelay({
      port: 0,
      host: 'localhost',
      tls: { cert, key },
      plainPort: 0,
      log: () => undefined,
    });
    try {
      const plainPort = new URL(relay.plainUrl as string).port;
      const first = await runSeeds(relay, `{ token: 'npm-seed-token', port: ${plainPort} }`);
      const again = await runSeeds(relay, `{ token: 'npm-seed-token', port: ${plainPort} }`);
      assert.equal(again.plot.url, first.plot.url, 'fileopt extend: the same chart, the same link');
    } finally {
      await relay.close();
    }
  });
});

describe("/clientresp: chart_studio's call, as python3 sends it through requests", () => {
  let relay: Relay;
  const dir = mkdtempSync(join(tmpdir(), 'chart-studio-'));
  const { cert, key } = selfSignedCertificate();
  writeFileSync(join(dir, 'cert.pem'), cert);
  before(
    async () => (relay = await createRelay({ port: 0, host: 'localhost', tls: { cert, key }, log: () => undefined })),
  );
  after(async () => {
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * chart_studio/api/v1/clientresp.py: the payload dict in its order, `args` and `kwargs` dumped with
   * sort_keys; `requests.request('post', url, data=payload)` urlencodes it (urllib's urlencode,
   * quote_plus) and http.client sends headers and that body in one write. py.plot's kwargs are its
   * plot options (_plot_option_logic): filename, fileopt, world_readable, auto_open, validate,
   * sharing, and the layout.
   */
  const pyPlot = (options: string) => `
import http.client, json, ssl, urllib.parse, sys
figure = {'data': [{'x': [1, 2], 'y': [3, 4], 'name': 'a & b = 50% + c', 'stream': {'token': 'py-token-1', 'maxpoints': 80}}],
          'layout': {'title': 'Temp & "humidity"'}}
plot_options = dict({'filename': 'plot from API', 'fileopt': 'new', 'world_readable': True, 'auto_open': False,
                     'validate': True, 'sharing': 'public'}, **${options})
plot_options['layout'] = figure['layout']
payload = {'platform': 'python', 'version': '1.1.0', 'args': json.dumps(figure['data'], sort_keys=True),
           'un': 'jane', 'key': 'api-key', 'origin': 'plot', 'kwargs': json.dumps(plot_options, sort_keys=True)}
body = urllib.parse.urlencode(payload)
context = ssl.create_default_context(cafile=sys.argv[1] if len(sys.argv) > 1 else '${join(dir, 'cert.pem')}')
conn = http.client.HTTPSConnection('localhost', ${'${PORT}'}, context=context)
conn.request('POST', '/clientresp', body=body, headers={
    'User-Agent': 'python-requests/2.31.0', 'Accept-Encoding': 'gzip, deflate', 'Accept': '*/*',
    'Connection': 'keep-alive', 'Content-Type': 'application/x-www-form-urlencoded'})
response = conn.getresponse()
print(json.dumps({'status': response.status, 'body': json.loads(response.read())}))`;

  const run = async (options: string) => {
    const script = pyPlot(options).replace('${PORT}', String(relay.port));
    return JSON.parse(await runPython(script)) as Answer;
  };

  it('py.plot(fig, filename=...): a chart at the URL answered, its traces and layout as sent', async () => {
    const answer = await run("{'filename': 'lab/temperature', 'fileopt': 'overwrite'}");
    assert.equal(answer.status, 200, JSON.stringify(answer));
    assertPlotlyAnswer(answer);
    assert.equal(answer.body['error'], '');
    assert.equal(answer.body['stream-status'], 'All Streams Go!');
    assert.equal(answer.body['filename'], 'lab/temperature');
    assert.equal(answer.body['stream-host'], `https://localhost:${relay.port}`, 'no plain port: streams come here');
    const chart = await chartOf(relay, answer.body['url'] as string);
    assert.deepEqual((chart.figure.data[0] as { name: string }).name, 'a & b = 50% + c');
    assert.deepEqual(chart.figure.layout, { title: 'Temp & "humidity"' });
    const again = await run("{'filename': 'lab/temperature', 'fileopt': 'overwrite'}");
    assert.equal(again.body['url'], answer.body['url'], 'overwrite: the same chart');
    assert.equal((await chartOf(relay, answer.body['url'] as string)).revision, 2);
  });

  it("py.plot's defaults (filename 'plot from API', fileopt new) make a new chart each time, its name suffixed", async () => {
    const first = await run('{}');
    const second = await run('{}');
    assert.equal(first.body['filename'], 'plot from API');
    assert.equal(second.body['filename'], 'plot from API (1)');
    assert.match(second.body['warning'] as string, /plot from API \(1\)/);
    assert.notEqual(first.body['url'], second.body['url']);
  });

  it("sharing 'secret' (and world_readable False): a private chart whose URL carries its share key", async () => {
    const answer = await run("{'filename': 'secret one', 'sharing': 'secret', 'world_readable': False}");
    assert.match(
      answer.body['url'] as string,
      /\?share_key=[\w-]{22}$/,
      'py.plot asks v2 for a share key unless the URL has one',
    );
    const without = (answer.body['url'] as string).split('?')[0] as string;
    assert.equal((await get(without)).status, 403);
    assert.equal((await get(answer.body['url'] as string)).status, 200);
  });
});

describe("/clientresp: Plotly's Arduino libraries' init(), in their writes", () => {
  let relay: Relay;
  before(async () => (relay = await createRelay({ port: 0, log: () => undefined })));
  after(() => relay.close());

  it('answers All Streams Go! and closes, as the board reads it; its tokens then stream to the chart', async () => {
    const writes = init({
      username: 'jane',
      apiKey: 'abcdefghij',
      tokens: ['n52pjyuspb', '63ze214eja'],
      filename: 'graph2',
    });
    assert.deepEqual(initLengths(writes).declared, initLengths(writes).body, 'the library counts its own body right');
    const answered = await rawExchange(relay.port, writes);
    assert.match(answered, /^HTTP\/1\.1 200 /);
    assert.match(answered, /connection: close/i);
    assert.ok(answered.includes('All Streams Go!'), answered);
    // The link is on the host the board named (Plotly's address, in the library): the board only
    // prints it. Its path is the chart's, on this relay.
    const url = `${relay.url}${new URL(/"url":"([^"]+)"/.exec(answered)?.[1] as string).pathname}`;
    const page = await get(url);
    const names = [...page.body.matchAll(/"token":"(s-[\w-]+)"/g)].map((m) => m[1]);
    assert.equal(names.length, 2);
    const viewer = await sseSubscribe(url, names.map((name) => `token=${name}`).join('&'));
    await rawExchange(relay.port, [
      ...openStream(),
      ...plotInt(1000, 512, 'n52pjyuspb'),
      ...plotInt(1000, 300, '63ze214eja'),
      ...closeStream(),
    ]);
    await viewer.untilMessages(2);
    viewer.close();
  });

  it("takes a sketch's worldReadable and a Content-Length that counts the form's closing CRLF", async () => {
    const writes = init({
      username: 'jane',
      apiKey: 'abcdefghij',
      tokens: ['p4wq7rx2kd'],
      filename: 'private graph',
      worldReadable: false,
      worldReadableField: 'worldReadable',
    });
    const { declared, body } = initLengths(writes);
    assert.equal(declared, body + 1, "the sketch's count is one over: the CR of its CRLF is in the body");
    const answered = await rawExchange(relay.port, writes);
    assert.ok(answered.includes('All Streams Go!'), answered);
    assert.match(answered, /"url":"[^"]+\?share_key=/, 'worldReadable false: a private chart');
  });
});

describe('/clientresp: fileopt, keys and refusals', () => {
  let relay: Relay;
  let keyed: Relay;
  const trace = (token: string, y: number[]) => ({ x: y.map((_, i) => i), y, stream: { token } });
  before(async () => {
    relay = await createRelay({ port: 0, log: () => undefined });
    keyed = await createRelay({
      port: 0,
      keys: new Map([
        ['keyed-token', 'right-key'],
        ['other-token', 'other-key'],
      ]),
      log: () => undefined,
    });
  });
  after(async () => {
    await relay.close();
    await keyed.close();
  });

  it('extend adds points to the named chart traces (or to kwargs.traces), append adds traces, layout kept unless given', async () => {
    const made = await plot(relay.url, [trace('ext-a', [1, 2]), trace('ext-b', [5])], {
      filename: 'ext',
      layout: { title: 'kept' },
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const url = made.body['url'] as string;
    await plot(relay.url, [{ y: [3] }, { y: [6, 7] }], { filename: 'ext', fileopt: 'extend' });
    let chart = await chartOf(relay, url);
    assert.deepEqual(
      chart.figure.data.map((t) => (t as { y: number[] }).y),
      [
        [1, 2, 3],
        [5, 6, 7],
      ],
    );
    assert.deepEqual(chart.figure.layout, { title: 'kept' });
    await plot(relay.url, [{ y: [8] }], { filename: 'ext', fileopt: 'extend', traces: [1] });
    await plot(relay.url, [trace('ext-c', [9])], { filename: 'ext', fileopt: 'append', layout: { title: 'new' } });
    chart = await chartOf(relay, url);
    assert.deepEqual(
      chart.figure.data.map((t) => (t as { y: number[] }).y),
      [[1, 2, 3], [5, 6, 7, 8], [9]],
    );
    assert.deepEqual(chart.figure.layout, { title: 'new' });
    const elsewhere = await plot(relay.url, [{ y: [1] }], { filename: 'not made yet', fileopt: 'extend' });
    assert.equal(elsewhere.status, 200);
    assert.notEqual(elsewhere.body['url'], url, 'extend of no chart makes it');
  });

  it('an overwrite reaches the viewers it already has: a figure event, no reload', async () => {
    const made = await plot(relay.url, [trace('ow-a', [1])], { filename: 'ow', layout: { title: 'before' } });
    const page = await get(made.body['url'] as string);
    const name = /"token":"(s-[\w-]+)"/.exec(page.body)?.[1] as string;
    const viewer = await sseSubscribe(made.body['url'] as string, `token=${name}`);
    await plot(relay.url, [trace('ow-a', [1])], { filename: 'ow', layout: { title: 'after' } });
    await viewer.until((events) => events.some((e) => e.type === 'figure' && JSON.stringify(e).includes('after')));
    assert.ok(!JSON.stringify(viewer.events).includes('ow-a'));
    viewer.close();
  });

  it('with write keys: the key field must be the key of every token the chart streams; the owner is that key', async () => {
    const args = [trace('keyed-token', [1])];
    const wrong = await plotCall(keyed.url, form({ un: 'x', key: 'wrong', args, kwargs: { filename: 'k' } }));
    assert.equal(wrong.status, 401);
    assertPlotlyAnswer(wrong);
    assert.match(wrong.body['error'] as string, /wrong write key/);
    const missing = await plotCall(keyed.url, form({ un: 'x', args, kwargs: { filename: 'k' } }));
    assert.equal(missing.status, 401);
    const noTokens = await plotCall(keyed.url, form({ key: 'made-up', args: [{ y: [1] }], kwargs: {} }));
    assert.equal(noTokens.status, 401, 'a chart without tokens still needs one of the relay keys');
    const right = await plotCall(keyed.url, form({ un: 'x', key: 'right-key', args, kwargs: { filename: 'k' } }));
    assert.equal(right.status, 200, JSON.stringify(right.body));
    // Another key has a namespace of its own: its "k" is another chart.
    const other = await plotCall(
      keyed.url,
      form({ key: 'other-key', args: [trace('other-token', [1])], kwargs: { filename: 'k' } }),
    );
    assert.notEqual(other.body['url'], right.body['url']);
    const crossing = await plotCall(keyed.url, form({ key: 'other-key', args, kwargs: { filename: 'k' } }));
    assert.equal(crossing.status, 401, "another key cannot put the first key's token in its chart");
  });

  it('refuses what is not a plot call with 4xx and the fields Plotly reads, and never stops', async () => {
    const cases: Array<[string, Record<string, string>, number, RegExp]> = [
      ['args=[1,2', {}, 400, /args is JSON that does not end/],
      [form({ args: { not: 'traces' }, kwargs: { fileopt: 'delete' } }), {}, 400, /fileopt must be one of/],
      [form({ args: [{ y: [1], stream: { token: 'bad token!' } }] }), {}, 400, /stream.token/],
      [form({ args: [], kwargs: { filename: 'a\nb' } }), {}, 400, /control character/],
      [form({ args: [], kwargs: { filename: 'x'.repeat(201) } }), {}, 400, /at most 200/],
      [form({ args: [], kwargs: [] }), {}, 400, /kwargs must be a JSON object/],
      [form({ args: [], kwargs: { world_readable: 'maybe' } }), {}, 400, /world_readable/],
      [form({ args: '['.repeat(100) + ']'.repeat(100) }), {}, 400, /nests more than/],
      [form({ args: [], kwargs: { __proto__: { polluted: 1 }, layout: { __proto__: { x: 1 } } } }), {}, 200, /^$/],
      ['args=[]', { 'content-type': 'application/json' }, 415, /form/],
    ];
    for (const [body, headers, status, error] of cases) {
      const answer = await plotCall(relay.url, body, headers);
      assert.equal(answer.status, status, `${body.slice(0, 60)}: ${JSON.stringify(answer.body)}`);
      assertPlotlyAnswer(answer);
      assert.match(answer.body['error'] as string, error, body.slice(0, 60));
    }
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    const big = await plotCall(relay.url, `args=${'x'.repeat(4 * 1024 * 1024)}`);
    assert.equal(big.status, 413);
    assertPlotlyAnswer(big);
    assert.match(big.body['error'] as string, /longer than/);
    const got = await get(`${relay.url}/clientresp`);
    assert.equal(got.status, 405);
    await eventually(async () => (await get(`${relay.url}/healthz`)).status === 200, 'the relay serves on');
  });
});
