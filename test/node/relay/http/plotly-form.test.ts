/**
 * The form of Plotly's v1 plot call: percent-encoded (chart_studio, `requests`' `data=`) and raw
 * (npm `plotly` 1.0.6 joins fields with `&` and encodes nothing). The raw form is taken from the
 * real npm package, run as it is in a child process against an https server of the test's own.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parsePlotlyForm } from '../../../../src/relay/http/plotly-form.js';
import { selfSignedCertificate } from '../../../../scripts/certificate.js';
import { runNode } from '../../../support/child-clients.js';

/** What `requests` sends for `data=payload`: each value percent-encoded (quote_plus), in the payload's order. */
function encodedLikeRequests(payload: Record<string, string>): string {
  return Object.entries(payload)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replaceAll('%20', '+')}`)
    .join('&');
}

const tricky = [
  { x: [1, 2], y: [3, 4], name: 'a & b = c + d, 50% off', stream: { token: 'abc123defg', maxpoints: 50 } },
  { y: [1], text: ['"quoted" {braces} [brackets] \\ backslash'], type: 'bar' },
];
const kwargs = {
  filename: 'sales & returns+1',
  fileopt: 'overwrite',
  layout: { title: 'a=b&c' },
  world_readable: true,
};

describe("Plotly's v1 plot form (/clientresp)", () => {
  it("reads chart_studio's percent-encoded form, + as a space", () => {
    const body = encodedLikeRequests({
      platform: 'python',
      version: '1.1.0',
      args: JSON.stringify(tricky),
      un: 'jane doe',
      key: 'k3y+/=',
      origin: 'plot',
      kwargs: JSON.stringify(kwargs),
    });
    const form = parsePlotlyForm(body);
    assert.ok('fields' in form, JSON.stringify(form));
    assert.deepEqual(JSON.parse(form.fields['args'] as string), tricky);
    assert.deepEqual(JSON.parse(form.fields['kwargs'] as string), kwargs);
    assert.equal(form.fields['un'], 'jane doe');
    assert.equal(form.fields['key'], 'k3y+/=');
  });

  it('reads a raw form whose JSON holds &, =, + and %, and one JSON value right after another', () => {
    const body = `platform=nodejs&version=1.0.4&args=${JSON.stringify(tricky)}&kwargs=${JSON.stringify(kwargs)}&un=jane&key=abc&origin=plot`;
    const form = parsePlotlyForm(body);
    assert.ok('fields' in form, JSON.stringify(form));
    assert.deepEqual(JSON.parse(form.fields['args'] as string), tricky);
    assert.deepEqual(JSON.parse(form.fields['kwargs'] as string), kwargs);
    assert.deepEqual(Object.keys(form.fields), ['platform', 'version', 'args', 'kwargs', 'un', 'key', 'origin']);
  });

  it("ignores whitespace at the body's end (Arduino sketches end the form with a CRLF)", () => {
    const form = parsePlotlyForm('un=a&kwargs={"filename": "x"}\r\n');
    assert.ok('fields' in form, JSON.stringify(form));
    assert.equal(form.fields['kwargs'], '{"filename": "x"}');
  });

  it('says what is wrong with a form it cannot read, and never throws', () => {
    const cases: Array<[string, RegExp]> = [
      ['args=[1,2', /args is JSON that does not end/],
      ['args=[1]x&un=a', /JSON followed by more than &/],
      ['un=a&un=b', /given twice/],
      ['=a', /not a form field/],
      ['un=%E0%A4%A', /not percent-encoded/],
      ['a b=c', /not a form field/],
      [Array.from({ length: 40 }, (_, i) => `f${i}=1`).join('&'), /more than 32 fields/],
    ];
    for (const [body, error] of cases) {
      const form = parsePlotlyForm(body);
      assert.ok('error' in form, body);
      assert.match(form.error, error, body);
    }
    // A field named like an Object.prototype member is a field like any other.
    const proto = parsePlotlyForm('__proto__=x&constructor=y');
    assert.ok('fields' in proto);
    assert.equal(proto.fields['__proto__'], 'x');
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
  });

  it('reads what the real npm plotly 1.0.6 client sends from plot(), as it sends it', async () => {
    const { cert, key } = selfSignedCertificate();
    const dir = mkdtempSync(join(tmpdir(), 'plotly-client-'));
    let received = '';
    const server = createServer({ cert, key }, (req, res) => {
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (received += chunk));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            url: 'https://localhost/~jane/1',
            'stream-host': 'http://localhost',
            'stream-status': 'All Streams Go!',
            filename: kwargs.filename,
            message: '',
            warning: '',
            error: '',
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
    try {
      writeFileSync(join(dir, 'cert.pem'), cert);
      const port = (server.address() as AddressInfo).port;
      const script = `
        const Plotly = require('plotly')({ username: 'jane', apiKey: 'abc', host: 'localhost', port: ${port} });
        Plotly.plot(${JSON.stringify(tricky)}, ${JSON.stringify(kwargs)}, (error, answer) =>
          console.log(JSON.stringify({ error: error && error.message, answer })));`;
      const output = await runNode(script, { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') });
      const result = JSON.parse(output) as { error: string | null; answer: { streamstatus: string } };
      assert.equal(result.error, null);
      assert.equal(result.answer.streamstatus, 'All Streams Go!');
      assert.match(received, /^platform=nodejs&version=1\.0\.4&args=\[/, 'raw, not percent-encoded');
      const form = parsePlotlyForm(received);
      assert.ok('fields' in form, JSON.stringify(form));
      assert.deepEqual(JSON.parse(form.fields['args'] as string), tricky);
      assert.deepEqual(JSON.parse(form.fields['kwargs'] as string), kwargs);
      assert.deepEqual([form.fields['un'], form.fields['key'], form.fields['origin']], ['jane', 'abc', 'plot']);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
