import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createRelay, type Relay } from '../../../../src/relay/index.js';
import { get } from '../../../support/relay-clients.js';

describe('the script-tag bundle', () => {
  let relay: Relay;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-'));
    writeFileSync(join(dir, 'bundle.js'), `console.log("the element");${' '.repeat(2000)}`);
    relay = await createRelay({ port: 0, bundlePath: join(dir, 'bundle.js'), log: () => undefined });
  });
  after(async () => {
    await relay.close();
    rmSync(dir, { recursive: true });
  });

  it('serves the script-tag bundle with CORS, an ETag and gzip', async () => {
    const plain = await get(`${relay.url}/plotly-stream.js`);
    assert.equal(plain.status, 200);
    assert.match(plain.body, /the element/);
    assert.equal(plain.headers['access-control-allow-origin'], '*');
    assert.match(String(plain.headers['content-type']), /text\/javascript/);
    const etag = plain.headers.etag as string;
    assert.equal((await get(`${relay.url}/plotly-stream.js`, { 'if-none-match': etag })).status, 304);
    const zipped = await new Promise<Buffer>((resolve) => {
      http.get(`${relay.url}/plotly-stream.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        assert.equal(res.headers['content-encoding'], 'gzip');
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve(Buffer.concat(parts)));
      });
    });
    assert.match(gunzipSync(zipped).toString(), /the element/);
  });

  it('says how to build the bundle when it is missing (503)', async () => {
    const bare = await createRelay({ port: 0, bundlePath: join(dir, 'missing.js'), log: () => undefined });
    try {
      const result = await get(`${bare.url}/plotly-stream.js`);
      assert.equal(result.status, 503);
      assert.match(result.body, /npm run build/);
    } finally {
      await bare.close();
    }
  });
});
