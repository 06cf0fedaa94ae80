/** A hosted chart's figure: read and checked, its tokens, edits merged, its public form. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  editFigure,
  publicFigure,
  readFigure,
  streamTokens,
  type Figure,
} from '../../../../src/relay/charts/chart-figure.js';
import {
  matchesHash,
  newChartId,
  sha256Hex,
  tokenName,
  CHART_ID_PATTERN,
} from '../../../../src/relay/charts/chart-keys.js';

const figure: Figure = {
  data: [
    { y: [], stream: { token: 'A' } },
    { y: [] },
    { y: [], stream: { token: 'A', maxpoints: 5 } },
    { stream: { token: 'B' } },
  ],
  layout: { title: { text: 'T' }, xaxis: { range: [0, 1] } },
  config: {},
};

describe('chart figures', () => {
  it('reads a figure with defaults for layout and config, and refuses what is not one, saying why', () => {
    assert.deepEqual(readFigure({ data: [] }), { data: [], layout: {}, config: {} });
    const refusals: Array<[unknown, RegExp]> = [
      [[], /JSON object/],
      [{ data: {} }, /"data" must be an array/],
      [{ data: [1] }, /trace 0 is not an object/],
      [{ data: [], layout: [] }, /"layout" must be an object/],
      [{ data: [], config: 'x' }, /"config" must be an object/],
      [{ data: [{ stream: { token: '' } }] }, /trace 0: stream.token/],
      [{ data: [{ stream: 'A' }] }, /trace 0: stream.token/],
      [{ data: Array.from({ length: 65 }, (_, i) => ({ stream: { token: `t${i}` } })) }, /at most 64 tokens/],
      [{ data: [], layout: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) }, /nests more than/],
    ];
    for (const [value, reason] of refusals) {
      const read = readFigure(value);
      assert.ok('error' in read, JSON.stringify(value));
      assert.match(read.error, reason);
    }
  });

  it('names each stream token once, in trace order, and shows each under its name', () => {
    assert.deepEqual(streamTokens(figure), ['A', 'B']);
    const shown = publicFigure(figure, (token) => `name-of-${token}`);
    assert.deepEqual(
      shown.data.map((trace) => (trace['stream'] as { token?: string } | undefined)?.token),
      ['name-of-A', undefined, 'name-of-A', 'name-of-B'],
    );
    assert.equal((shown.data[2]?.['stream'] as { maxpoints: number }).maxpoints, 5);
    assert.equal((figure.data[0]?.['stream'] as { token: string }).token, 'A', 'the stored figure is not changed');
  });

  it('merges an edit: layout and config deep, null removes, trace styles by index; a figure replaces', () => {
    const edited = editFigure(figure, {
      layout: { title: { font: { size: 20 } }, xaxis: null },
      data: [null, { type: 'bar' }],
    });
    assert.ok(!('error' in edited));
    assert.deepEqual(edited.layout, { title: { text: 'T', font: { size: 20 } } });
    assert.equal(edited.data[1]?.['type'], 'bar');
    assert.deepEqual(edited.data[0], figure.data[0]);
    assert.deepEqual(editFigure(figure, { figure: { data: [] } }), { data: [], layout: {}, config: {} });
    assert.match(
      (editFigure(figure, { data: new Array(5).fill({}) }) as { error: string }).error,
      /at most one per trace/,
    );
    assert.match((editFigure(figure, { layout: 3 }) as { error: string }).error, /"layout" must be an object/);
    assert.match(
      (editFigure(figure, { data: [{ stream: { token: 'bad token' } }] }) as { error: string }).error,
      /stream.token/,
    );
  });
});

describe('chart ids and keys', () => {
  it('makes ids that look like ids and do not repeat', () => {
    const ids = new Set(Array.from({ length: 2000 }, newChartId));
    assert.equal(ids.size, 2000);
    for (const id of ids) assert.match(id, CHART_ID_PATTERN);
  });

  it('checks a key against its hash, and names tokens apart per chart, the same every time', () => {
    const hash = sha256Hex('edit-key');
    assert.equal(matchesHash('edit-key', hash), true);
    assert.equal(matchesHash('edit-kez', hash), false);
    assert.equal(matchesHash('edit-key', 'not hex'), false);
    assert.equal(tokenName(hash, 'A'), tokenName(hash, 'A'));
    assert.notEqual(tokenName(hash, 'A'), tokenName(hash, 'B'));
    assert.notEqual(tokenName(hash, 'A'), tokenName(sha256Hex('other'), 'A'));
  });
});
