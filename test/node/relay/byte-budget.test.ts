import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import http2 from 'node:http2';
import { ByteBudget, type BudgetMember } from '../../../src/relay/byte-budget.js';
import { createRelay } from '../../../src/relay/index.js';
import { selfSignedCertificate } from '../../../scripts/certificate.js';
import { eventually, openIngest, sseSubscribe, wsSubscribe } from '../../support/relay-clients.js';

/** A viewer whose waiting bytes the test sets (they drain between writes), and whether it was cut. */
class Viewer implements BudgetMember {
  bufferedBytes = 0;
  cut: string | null = null;
  cutOff(reason: string): void {
    this.cut = reason;
    this.bufferedBytes = 0;
  }
}

/** How the outgoing budget words a cut. */
const reason = (limit: number, held: number) =>
  `the relay has more than ${limit} bytes waiting for its viewers, ${held} of them for this one`;

describe('ByteBudget', () => {
  it('admits writes within the limit and keeps the sum of the last reports; a closed member counts nothing', () => {
    const budget = new ByteBudget(1000, { reason });
    const a = new Viewer();
    const b = new Viewer();
    const accountA = budget.open(a);
    const accountB = budget.open(b);
    assert.equal(budget.admit(accountA, 400), true);
    assert.equal(budget.admit(accountB, 500), true);
    assert.equal(budget.total, 900);
    assert.equal(budget.admit(accountA, 100), true, 'a report replaces the last one');
    assert.equal(budget.total, 600);
    assert.equal(budget.peak, 900);
    budget.close(accountB);
    assert.equal(budget.total, 100);
    assert.equal(budget.size, 1);
    assert.equal(budget.admit(accountB, 10), false, 'a closed account admits nothing');
  });

  it('past the limit it counts exactly first: bytes that drained since a member last wrote cut nobody', () => {
    const budget = new ByteBudget(1000, { reason });
    const idle = new Viewer();
    const writer = new Viewer();
    const idleAccount = budget.open(idle);
    const writerAccount = budget.open(writer);
    budget.admit(idleAccount, 900);
    idle.bufferedBytes = 0; // its network drained it; it has not written since
    assert.equal(budget.admit(writerAccount, 500), true);
    assert.equal(idle.cut, null);
    assert.equal(budget.total, 500);
  });

  it('still over: those with the most waiting are cut until the total is under 15/16 of the limit', () => {
    const cut: BudgetMember[] = [];
    const budget = new ByteBudget(1600, { reason, onCut: (member) => cut.push(member) });
    const viewers = [300, 500, 700].map((bytes) => {
      const viewer = new Viewer();
      viewer.bufferedBytes = bytes;
      const account = budget.open(viewer);
      budget.admit(account, bytes);
      return viewer;
    });
    const writer = new Viewer();
    const account = budget.open(writer);
    // 1500 held + 200 about to be written = 1700 > 1600: the 700 goes (1000 <= 1500, the low-water mark).
    assert.equal(budget.admit(account, 200), true);
    assert.deepEqual(cut, [viewers[2]]);
    assert.match(viewers[2]?.cut ?? '', /more than 1600 bytes waiting for its viewers, 700 of them for this one/);
    assert.equal(budget.total, 1000);
    // A writer that is itself the heaviest is cut, and told so by the answer.
    assert.equal(budget.admit(account, 1400), false);
    assert.ok(writer.cut !== null);
    assert.ok(budget.peak <= 1600);
  });

  it('for any writes and drains, what waits never passes the limit once a write is admitted (fast-check)', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), who: fc.nat(9), bytes: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ kind: fc.constant('drain' as const), who: fc.nat(9), bytes: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ kind: fc.constant('leave' as const), who: fc.nat(9), bytes: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const budget = new ByteBudget(1000, { reason });
        const viewers = Array.from({ length: 10 }, () => new Viewer());
        const accounts = viewers.map((viewer) => budget.open(viewer));
        for (const { kind, who, bytes } of steps) {
          const viewer = viewers[who] as Viewer;
          const account = accounts[who] as ReturnType<ByteBudget['open']>;
          if (viewer.cut !== null || !account.open) continue;
          if (kind === 'drain') viewer.bufferedBytes = Math.max(0, viewer.bufferedBytes - bytes);
          else if (kind === 'leave') {
            budget.close(account);
            viewer.bufferedBytes = 0;
          } else if (budget.admit(account, viewer.bufferedBytes + bytes)) viewer.bufferedBytes += bytes;
          const truth = viewers.reduce((sum, v) => sum + v.bufferedBytes, 0);
          assert.ok(truth <= budget.total, `the budget's sum (${budget.total}) is never below the truth (${truth})`);
          assert.ok(truth <= 1000, `what waits (${truth}) is within the limit`);
        }
        assert.ok(budget.peak <= 1000);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the total outgoing budget at a running relay', () => {
  it('holds at every write for WebSocket, SSE and HTTP/2 SSE viewers that stop reading; a reading viewer gets everything', async () => {
    const limit = 2 * 1024 * 1024;
    const relay = await createRelay({
      port: 0,
      tls: selfSignedCertificate(),
      maxTotalBufferedBytes: limit,
      maxBufferedBytes: 64 * 1024 * 1024, // each viewer's own limit out of the way: the total decides
      historyMessages: 100_000,
      historyBytes: 1e9,
      log: () => undefined,
    });
    const session = http2.connect(relay.url, { rejectUnauthorized: false });
    try {
      const ws = await Promise.all(Array.from({ length: 4 }, () => wsSubscribe(relay.url, 'token=flood')));
      const reader = await wsSubscribe(relay.url, 'token=flood');
      const sse = await Promise.all(Array.from({ length: 4 }, () => sseSubscribe(relay.url, 'token=flood')));
      const h2 = Array.from({ length: 4 }, () => {
        const stream = session.request({ ':path': '/subscribe?token=flood', accept: 'text/event-stream' });
        stream.once('data', () => stream.pause());
        stream.on('error', () => undefined);
        return stream;
      });
      for (const viewer of [...ws, reader, ...sse]) await viewer.until((e) => e.some((x) => x.type === 'ready'));
      await eventually(() => relay.metrics.connections.sse === 8, 'eight SSE viewers');
      for (const viewer of ws) (viewer.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      for (const viewer of sse) viewer.response.pause();
      // A producer at about 2 MB/s, in writes a few milliseconds apart (the reading viewer reads between them).
      const text = 'x'.repeat(1000);
      const chunks = Array.from({ length: 60 }, (_, c) =>
        Array.from({ length: 100 }, (_, i) => `{"y": ${c * 100 + i}, "text": "${text}"}\n`).join(''),
      );
      const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'flood' });
      for (const chunk of chunks) {
        producer.write(chunk);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      producer.end();
      const answer = await producer.result;
      assert.equal(answer.status, 200);
      // No timer has had to run: the budget held at each write, and cut who held the most.
      const outgoing = relay.metrics.budgets['outgoing'] as { peak: number };
      assert.ok(outgoing.peak <= limit, `peak ${outgoing.peak} <= ${limit}`);
      assert.ok((relay.metrics.refused['outgoing-budget'] ?? 0) >= 1);
      await reader.untilMessages(6000, 20_000);
      assert.equal(reader.messages.length, 6000);
      assert.ok(outgoing.peak <= limit);
      for (const stream of h2) stream.close();
      reader.socket.close();
    } finally {
      session.close();
      await relay.close();
    }
  });
});
