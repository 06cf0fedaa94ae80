import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OriginListError, OriginPolicy } from '../../../../src/relay/access/origins.js';

describe('origin policy', () => {
  it('lets requests without Origin (not from a page) and loopback pages through by default', () => {
    const policy = new OriginPolicy();
    for (const origin of [
      undefined,
      'http://localhost:5173',
      'http://localhost',
      'https://127.0.0.1:8888',
      'http://127.1.2.3',
      'http://[::1]:8080',
    ])
      assert.ok(policy.allows(origin), String(origin));
  });

  it('refuses other pages by default: a web site, a DNS-rebinding name, null, odd schemes, junk', () => {
    const policy = new OriginPolicy();
    for (const origin of [
      'https://evil.example',
      'http://localhost.evil.example',
      'http://127.0.0.1.evil.example',
      'null',
      'file://',
      'chrome-extension://abc',
      '',
      'not a url',
    ])
      assert.equal(policy.allows(origin), false, origin);
  });

  it('allows the relay own address once it listens there', () => {
    const policy = new OriginPolicy();
    assert.equal(policy.allows('http://10.0.0.5:8080'), false);
    policy.addOwnAddress('10.0.0.5', 8080);
    assert.ok(policy.allows('http://10.0.0.5:8080'));
    assert.equal(policy.allows('http://10.0.0.5:9090'), false);
    policy.addOwnAddress('0.0.0.0', 8080);
    assert.equal(policy.allows('http://0.0.0.0:8080'), false, 'an any-address bind names no page');
  });

  it('adds exact origins, subdomain patterns, null and *', () => {
    const policy = new OriginPolicy('https://app.example.com, https://*.example.org  null');
    assert.ok(policy.allows('https://app.example.com'));
    assert.ok(policy.allows('https://app.example.com:443'), 'the default port is the same origin');
    assert.equal(policy.allows('http://app.example.com'), false, 'another scheme is another origin');
    assert.equal(policy.allows('https://app.example.com:8443'), false);
    assert.ok(policy.allows('https://a.example.org'));
    assert.ok(policy.allows('https://a.b.example.org'));
    assert.equal(policy.allows('https://example.org'), false, 'the pattern covers subdomains only');
    assert.equal(policy.allows('https://badexample.org'), false);
    assert.equal(policy.allows('https://a.example.org:8443'), false);
    assert.ok(policy.allows('null'));
    assert.ok(policy.allows('http://localhost:3000'), 'loopback pages stay allowed');
    const any = new OriginPolicy(['*']);
    assert.ok(any.allowsAny);
    assert.ok(any.allows('https://anything.example'));
    assert.ok(new OriginPolicy('https://*.example.org:*').allows('https://a.example.org:8443'));
  });

  it('refuses a list entry that is not an origin, naming it', () => {
    for (const entry of [
      'example.com',
      'https://example.com/path',
      'ftp://example.com',
      'https://*',
      'https://a.*.com',
      '*.example.com',
    ])
      assert.throws(
        () => new OriginPolicy(entry),
        (error: Error) => error instanceof OriginListError && error.message.includes(entry),
        entry,
      );
  });
});
