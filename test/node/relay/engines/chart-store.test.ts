/**
 * The chart store contract: one suite, run against the memory engine's store and the Redis
 * engine's (on a redis-server of the test's own), plus what only Redis does: charts kept across a
 * relay's restart, edits heard by every relay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChartLimits, ChartStore, StoredChart } from '../../../../src/relay/engines/chart-store.js';
import type { Engine } from '../../../../src/relay/engines/engine.js';
import { MemoryEngine } from '../../../../src/relay/engines/memory-engine.js';
import { RedisEngine } from '../../../../src/relay/engines/redis-engine.js';
import { RedisServer, skipWithoutRedis } from '../../../../scripts/redis-server.js';
import { eventually } from '../../../support/relay-clients.js';

const limits: ChartLimits = { maxFigureBytes: 2000, maxChartsPerOwner: 3, maxCharts: 5, maxTotalBytes: 3000 };
const history = { messages: 10, bytes: 1e5 };

let serial = 0;
function chart(overrides: Partial<StoredChart> = {}): StoredChart {
  const now = Date.now();
  return {
    id: `c${++serial}`,
    figure: JSON.stringify({ data: [{ y: [], stream: { token: 'secret-token' } }], layout: { title: 'T' } }),
    editKeyHash: 'e'.repeat(64),
    owner: 'alice',
    filename: null,
    worldReadable: true,
    shareKey: null,
    revision: 1,
    created: now,
    updated: now,
    ...overrides,
  };
}

function contract(name: string, make: () => Promise<Engine>, skip: string | false) {
  describe(`chart store contract: ${name}`, { skip }, () => {
    const engines: Engine[] = [];
    const store = async (): Promise<ChartStore> => {
      const engine = await make();
      engines.push(engine);
      return engine.charts as ChartStore;
    };
    after(async () => {
      for (const engine of engines) await engine.close();
    });

    it('stores a chart as given and reads it back; an unknown id is null', async () => {
      const charts = await store();
      const made = chart({
        worldReadable: false,
        shareKey: 'share-me',
        figure: '{"data":[],"layout":{"title":"é & \\u2603"}}',
      });
      assert.equal(await charts.create(made), null);
      assert.deepEqual(await charts.get(made.id), made);
      assert.equal(await charts.get('nope'), null);
      assert.equal(await charts.create({ ...made }), 'exists');
    });

    it('holds its bounds: figure size, charts per owner, charts in all', async () => {
      const charts = await store();
      assert.equal(await charts.create(chart({ figure: 'x'.repeat(limits.maxFigureBytes + 1) })), 'too-big');
      for (let i = 0; i < limits.maxChartsPerOwner; i++)
        assert.equal(await charts.create(chart({ owner: 'bob' })), null);
      assert.equal(await charts.create(chart({ owner: 'bob' })), 'owner-full');
      assert.equal(await charts.create(chart({ owner: 'carol' })), null);
      assert.equal(await charts.create(chart({ owner: 'dave' })), null);
      assert.equal(await charts.create(chart({ owner: 'erin' })), 'full');
    });

    it('holds the bytes of all figures together, on create and on an edit that grows one', async () => {
      const charts = await store();
      const big = chart({ owner: 'ivy', figure: 'x'.repeat(1500) });
      assert.equal(await charts.create(big), null);
      assert.equal(await charts.create(chart({ owner: 'jo', figure: 'y'.repeat(1600) })), 'full');
      assert.equal(await charts.create(chart({ owner: 'jo', figure: 'y'.repeat(1400) })), null);
      assert.equal(
        await charts.update(big.id, 1, { figure: 'x'.repeat(1700), worldReadable: true, shareKey: null }),
        'full',
      );
      assert.ok(
        typeof (await charts.update(big.id, 1, { figure: 'x'.repeat(100), worldReadable: true, shareKey: null })) ===
          'object',
      );
      assert.equal(
        await charts.create(chart({ owner: 'jo', figure: 'z'.repeat(1400) })),
        null,
        'the edit that shrank it freed room',
      );
    });

    it('an edit made on the stored revision replaces figure and settings and tells listeners; a stale one is a conflict', async () => {
      const charts = await store();
      const heard: string[] = [];
      charts.onChange((id) => heard.push(id));
      const made = chart({ owner: 'frank' });
      await charts.create(made);
      const edited = await charts.update(made.id, 1, {
        figure: '{"data":[],"layout":{"title":"new"}}',
        worldReadable: false,
        shareKey: 'k',
      });
      assert.ok(typeof edited === 'object' && edited !== null);
      assert.equal(edited.revision, 2);
      assert.equal(edited.figure, '{"data":[],"layout":{"title":"new"}}');
      assert.equal(edited.worldReadable, false);
      assert.equal(edited.shareKey, 'k');
      assert.equal(edited.owner, 'frank', 'what an edit does not name is kept');
      assert.equal(await charts.update(made.id, 1, { figure: '{}', worldReadable: true, shareKey: null }), 'conflict');
      assert.equal(
        await charts.update(made.id, 2, {
          figure: 'x'.repeat(limits.maxFigureBytes + 1),
          worldReadable: true,
          shareKey: null,
        }),
        'too-big',
      );
      assert.equal(await charts.update('nope', 1, { figure: '{}', worldReadable: true, shareKey: null }), null);
      await eventually(() => heard.includes(made.id), 'the edit heard');
    });

    it("finds a chart by its owner's name for it; one chart per owner and name; a deletion frees the name", async () => {
      const charts = await store();
      const named = chart({ owner: 'kim', filename: 'lab/temperature & humidity' });
      assert.equal(await charts.create(named), null);
      assert.equal((await charts.get(named.id))?.filename, 'lab/temperature & humidity');
      assert.equal(await charts.findByName('kim', 'lab/temperature & humidity'), named.id);
      assert.equal(await charts.findByName('lee', 'lab/temperature & humidity'), null, "another owner's name");
      assert.equal(await charts.findByName('kim', 'lab/other'), null);
      assert.equal(await charts.create(chart({ owner: 'kim', filename: 'lab/temperature & humidity' })), 'name-taken');
      assert.equal(await charts.create(chart({ owner: 'lee', filename: 'lab/temperature & humidity' })), null);
      assert.equal(await charts.create(chart({ owner: 'kim', filename: null })), null, 'unnamed charts never clash');
      await charts.update(named.id, 1, { figure: '{"data":[]}', worldReadable: true, shareKey: null });
      assert.equal(await charts.findByName('kim', 'lab/temperature & humidity'), named.id, 'an edit keeps the name');
      assert.equal(await charts.delete(named.id), true);
      assert.equal(await charts.findByName('kim', 'lab/temperature & humidity'), null);
      assert.equal(await charts.create(chart({ owner: 'kim', filename: 'lab/temperature & humidity' })), null);
    });

    it("deletes a chart, frees its owner's place and tells listeners; deleting it again is false", async () => {
      const charts = await store();
      const heard: string[] = [];
      charts.onChange((id) => heard.push(id));
      const made = [chart({ owner: 'gina' }), chart({ owner: 'gina' }), chart({ owner: 'gina' })];
      for (const c of made) await charts.create(c);
      assert.equal(await charts.create(chart({ owner: 'gina' })), 'owner-full');
      assert.equal(await charts.delete((made[0] as StoredChart).id), true);
      assert.equal(await charts.delete((made[0] as StoredChart).id), false);
      assert.equal(await charts.get((made[0] as StoredChart).id), null);
      assert.equal(await charts.create(chart({ owner: 'gina' })), null, 'the place is free again');
      await eventually(() => heard.includes((made[0] as StoredChart).id), 'the deletion heard');
    });
  });
}

contract('memory', async () => new MemoryEngine(history, limits), false);

describe('chart store on Redis', { skip: skipWithoutRedis }, () => {
  let redis: RedisServer;
  let prefix = 0;
  before(async () => (redis = await RedisServer.start()));
  after(async () => redis.stop());
  contract(
    'redis',
    async () =>
      RedisEngine.connect({ url: redis.url, prefix: `charts${++prefix}:`, limits: history, chartLimits: limits }),
    false,
  );

  it('keeps charts across a relay restart, and every relay hears of each edit', async () => {
    /** A relay's engine on the shared Redis. */
    const relay = () =>
      RedisEngine.connect({ url: redis.url, prefix: 'shared:', limits: history, chartLimits: limits });
    const first = await relay();
    const second = await relay();
    try {
      const made = chart({ owner: 'hank' });
      assert.equal(await first.charts.create(made), null);
      await first.close();
      const restarted = await relay();
      try {
        assert.deepEqual(await restarted.charts.get(made.id), made);
        const heard: string[] = [];
        second.charts.onChange((id) => heard.push(id));
        await restarted.charts.update(made.id, 1, { figure: '{"data":[]}', worldReadable: true, shareKey: null });
        await eventually(() => heard.includes(made.id), 'the other relay hearing the edit');
        assert.equal((await second.charts.get(made.id))?.revision, 2);
      } finally {
        await restarted.close();
      }
    } finally {
      await second.close();
    }
  });
});
