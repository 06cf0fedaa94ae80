/**
 * Plotly's plot call read from its form's fields: Plotly's defaults (no filename: a new chart; a
 * filename: overwrite), sharing and world_readable, one trace for a list, and what is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPlotCall, type PlotCall } from '../../../../src/relay/charts/plot-call.js';

const read = (args: unknown, kwargs?: unknown): PlotCall | { error: string } =>
  readPlotCall({
    args: JSON.stringify(args),
    ...(kwargs === undefined ? {} : { kwargs: JSON.stringify(kwargs) }),
  });

function call(args: unknown, kwargs?: unknown): PlotCall {
  const read_ = read(args, kwargs);
  assert.ok(!('error' in read_), JSON.stringify(read_));
  return read_;
}

describe('readPlotCall', () => {
  it("takes Plotly's defaults: no filename makes a new chart, a filename overwrites; public", () => {
    assert.deepEqual(
      { ...call([{ y: [1] }]), figure: undefined },
      { figure: undefined, layoutGiven: false, filename: null, fileopt: 'new', worldReadable: true, traces: null },
    );
    assert.equal(call([], { filename: 'a' }).fileopt, 'overwrite');
    assert.equal(call([], { filename: 'a', fileopt: 'append' }).fileopt, 'append');
    assert.equal(call([], { filename: '' }).filename, null, 'an empty name is no name');
  });

  it('reads privacy from world_readable (or worldReadable, or a string) before sharing', () => {
    assert.equal(call([], { world_readable: false }).worldReadable, false);
    assert.equal(call([], { worldReadable: 'false' }).worldReadable, false);
    assert.equal(call([], { sharing: 'secret' }).worldReadable, false);
    assert.equal(call([], { sharing: 'private' }).worldReadable, false);
    assert.equal(call([], { sharing: 'secret', world_readable: true }).worldReadable, true);
  });

  it('reads one trace given bare, and the layout when kwargs has one', () => {
    const one = call({ x: [1], y: [2] }, { layout: { title: 't' } });
    assert.deepEqual(one.figure.data, [{ x: [1], y: [2] }]);
    assert.deepEqual(one.figure.layout, { title: 't' });
    assert.equal(one.layoutGiven, true);
    assert.deepEqual(call([]).figure.data, [], 'no args: no traces');
  });

  it('refuses what is not a plot call, saying why', () => {
    const cases: Array<[unknown, unknown, RegExp]> = [
      ['traces', {}, /args must be a JSON array/],
      [[], 'opts', /kwargs must be a JSON object/],
      [[], { fileopt: 'replace' }, /fileopt must be one of new, overwrite, extend, append/],
      [[], { filename: 7 }, /filename must be a string/],
      [[], { world_readable: 1 }, /world_readable must be true or false/],
      [[], { sharing: 'friends' }, /sharing must be public, private or secret/],
      [[], { traces: [0, -1] }, /traces must be an array of trace indices/],
      [[1], {}, /trace 0 is not an object/],
      [[], { layout: [] }, /"layout" must be an object/],
    ];
    for (const [args, kwargs, error] of cases) {
      const result = read(args, kwargs);
      assert.ok('error' in result, JSON.stringify([args, kwargs]));
      assert.match(result.error, error);
    }
    const deep = readPlotCall({ args: '['.repeat(40) + ']'.repeat(40) });
    assert.ok('error' in deep && /nests more than/.test(deep.error));
    const broken = readPlotCall({ kwargs: '{"a":' });
    assert.ok('error' in broken && /kwargs is not JSON/.test(broken.error));
  });
});
