import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import type { Engine } from '../../../../src/relay/engines/engine.js';
import type { Ingest } from '../../../../src/relay/producers/ingest.js';
import { Producers, TAKEN_OVER } from '../../../../src/relay/producers/producers.js';

/** An ingest as Producers sees it: its token, its socket, and how it was ended. */
function fakeIngest(token: string) {
  const ended: Array<[number, string]> = [];
  const ingest = { token, socket: {} as Socket, finish: (status: number, why: string) => ended.push([status, why]) };
  return { ingest: ingest as unknown as Ingest, ended };
}

describe('Producers: the open ingest of each token, and the takeover', () => {
  it('a newer ingest of a token ends the older with 409; another token is not touched; removal frees the token', () => {
    const producers = new Producers({} as Engine);
    const first = fakeIngest('A');
    const other = fakeIngest('B');
    producers.add(first.ingest);
    producers.add(other.ingest);
    assert.equal(producers.onSocket(first.ingest.socket), first.ingest);
    const second = fakeIngest('A');
    producers.add(second.ingest);
    assert.deepEqual(first.ended, [[409, TAKEN_OVER]]);
    assert.deepEqual(other.ended, []);
    // The older one ending now does not free the token the newer holds.
    producers.remove(first.ingest);
    assert.equal(producers.size, 2);
    producers.finishAll(503, 'shutting down');
    assert.deepEqual(second.ended, [[503, 'shutting down']]);
    assert.deepEqual(other.ended, [[503, 'shutting down']]);
  });

  it('across relays: the engine numbers each ingest; a newer number heard anywhere ends this one, even heard before its own', async () => {
    let listener: (token: string, claim: number) => void = () => undefined;
    let next = 0;
    const answers: Array<() => void> = [];
    const engine = {
      onProducerClaim: (l: typeof listener) => (listener = l),
      claimProducer: () => new Promise<number>((resolve) => answers.push(() => resolve(++next))),
    } as unknown as Engine;
    const producers = new Producers(engine);
    const here = fakeIngest('A');
    producers.add(here.ingest);
    answers.shift()?.(); // numbered 1
    await Promise.resolve();
    listener('A', 1); // its own claim, heard back: nothing happens
    assert.deepEqual(here.ended, []);
    listener('A', 2); // another relay's newer ingest
    assert.deepEqual(here.ended, [[409, `${TAKEN_OVER} (on another relay)`]]);
    // A newer claim heard before this ingest's own number came back.
    const late = fakeIngest('C');
    producers.add(late.ingest);
    listener('C', 99);
    assert.deepEqual(late.ended, []);
    answers.shift()?.(); // numbered 2: older than 99
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(late.ended, [[409, `${TAKEN_OVER} (on another relay)`]]);
  });
});
