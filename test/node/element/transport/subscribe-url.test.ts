import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subscribeUrl } from '../../../../src/element/transport/subscribe-url.js';

describe('subscribeUrl', () => {
  it('maps http to ws and back, keeps a path prefix, repeats tokens and resume', () => {
    const positions = new Map([['A', { epoch: 'e', offset: 3 }]]);
    assert.equal(
      subscribeUrl('http://relay.test:8080/base/', ['A', 'B'], positions, 'ws').href,
      'ws://relay.test:8080/base/subscribe?token=A&token=B&resume=A%3Ae%3A3&runs=1&columns=1',
    );
    assert.equal(
      subscribeUrl('wss://relay.test', ['A'], new Map(), 'http').href,
      'https://relay.test/subscribe?token=A&runs=1&columns=1',
    );
    assert.equal(subscribeUrl('https://relay.test', ['A'], new Map(), 'ws').protocol, 'wss:');
  });

  it('adds the read token as access_token, escaped, only when there is one', () => {
    assert.equal(
      subscribeUrl('http://relay.test', ['A'], new Map(), 'ws', 'a.b+c/d').href,
      'ws://relay.test/subscribe?token=A&runs=1&columns=1&access_token=a.b%2Bc%2Fd',
    );
    assert.equal(subscribeUrl('http://relay.test', ['A'], new Map(), 'ws', '').search, '?token=A&runs=1&columns=1');
  });
});
