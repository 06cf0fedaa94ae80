/** createAccess: the access options read before anything opens, one clear error for one that cannot be used. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAccess } from '../../../../src/relay/access/access.js';
import { RelayLog } from '../../../../src/relay/log.js';
import { Metrics } from '../../../../src/relay/metrics.js';
import { resolveOptions } from '../../../../src/relay/options.js';

const access = (options: Parameters<typeof resolveOptions>[0]) =>
  createAccess(resolveOptions(options), new Metrics(), new RelayLog(() => undefined));

describe('createAccess', () => {
  it('open by default: no write keys, no read tokens, loopback pages only', () => {
    const open = access({});
    assert.equal(open.keys, null);
    assert.equal(open.readAccess, null);
    assert.equal(open.origins.allows('http://localhost:5173'), true);
    assert.equal(open.origins.allows('https://example.com'), false);
  });

  it('reads write keys given as an object or a Map, and origins', () => {
    assert.deepEqual(
      [...(access({ keys: { A: 'k1', '*': 'k2' } }).keys ?? [])],
      [
        ['A', 'k1'],
        ['*', 'k2'],
      ],
    );
    const keys = new Map([['B', 'k3']]);
    assert.equal(access({ keys }).keys, keys);
    assert.equal(access({ allowOrigin: 'https://*.example.com' }).origins.allows('https://a.example.com'), true);
  });

  it('refuses options that cannot be used, each with its reason', () => {
    assert.throws(() => access({ readSecret: 'x'.repeat(32), readPublicKey: 'pem' }), /not both/);
    assert.throws(() => access({ readSecret: 'short' }), /32/);
    assert.throws(() => access({ allowOrigin: 'not an origin' }));
  });
});
