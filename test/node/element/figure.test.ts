import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MAXPOINTS, figureTokens, parseFigure, parseFigureJson } from '../../../src/element/figure.js';

describe('parseFigure', () => {
  it('strips stream, routes tokens, defaults maxpoints to 500', () => {
    const source = {
      data: [
        { y: [1], stream: { token: 'A', maxpoints: 50 } },
        { y: [], xaxis: 'x2', yaxis: 'y2', stream: { token: 'A' } },
        { y: [9] },
      ],
      layout: { title: { text: 't' } },
      config: { displaylogo: false },
    };
    const figure = parseFigure(source);
    assert.deepEqual(figure.problems, []);
    assert.deepEqual(figure.streams, [
      { index: 0, token: 'A', maxpoints: 50, maxage: null, gap: null },
      { index: 1, token: 'A', maxpoints: DEFAULT_MAXPOINTS, maxage: null, gap: null },
    ]);
    assert.ok(figure.data.every((trace) => !('stream' in trace)));
    assert.deepEqual(figure.data[2], { y: [9] });
    assert.deepEqual(figureTokens(figure), ['A']);
    // The caller's object is left alone.
    assert.ok('stream' in (source.data[0] as object));
  });

  it('turns typed arrays of streamed per-point keys into plain arrays', () => {
    const figure = parseFigure({
      data: [{ y: new Float64Array([1, 2]), marker: { size: new Int8Array([3]) }, stream: { token: 'A' } }],
    });
    assert.ok(Array.isArray(figure.data[0]?.['y']));
    assert.deepEqual(figure.data[0]?.['y'], [1, 2]);
    assert.deepEqual((figure.data[0]?.['marker'] as { size: unknown }).size, [3]);
  });

  it('bad streams are drawn but not streamed; bad maxpoints fall back; each says why', () => {
    const figure = parseFigure({
      data: [{ y: [1], stream: { token: 'has space' } }, { stream: 'A' }, { stream: { token: 'B', maxpoints: -4 } }, 7],
    });
    assert.equal(figure.data.length, 4);
    assert.deepEqual(figure.streams, [{ index: 2, token: 'B', maxpoints: DEFAULT_MAXPOINTS, maxage: null, gap: null }]);
    assert.equal(figure.problems.length, 4);
    assert.match(figure.problems[2] as string, /maxpoints must be a positive integer/);
    assert.match(figure.problems[3] as string, /trace 3 is not an object/);
  });

  it('reads stream.maxage and stream.gap (ms); an invalid one is off, and the problem names the trace', () => {
    const figure = parseFigure({
      data: [
        { stream: { token: 'A', maxage: 60_000, gap: '2000' } },
        { stream: { token: 'B', maxage: -1, gap: 'soon' } },
        { stream: { token: 'C', maxage: null } },
      ],
    });
    assert.deepEqual(
      figure.streams.map((s) => [s.maxage, s.gap]),
      [
        [60_000, 2000],
        [null, null],
        [null, null],
      ],
    );
    assert.deepEqual(figure.problems, [
      'trace 1: stream.maxage must be a positive number of milliseconds, got -1; maxage is off',
      'trace 1: stream.gap must be a positive number of milliseconds, got "soon"; gap is off',
    ]);
  });

  it('accepts maxpoints as a numeric string', () => {
    assert.equal(parseFigure({ data: [{ stream: { token: 'A', maxpoints: '20' } }] }).streams[0]?.maxpoints, 20);
  });

  it('never throws on bad figures', () => {
    assert.match(parseFigure(5).problems[0] as string, /must be an object/);
    assert.match(parseFigure({ data: 3 }).problems[0] as string, /data must be an array/);
    assert.match(parseFigureJson('{oops').problems[0] as string, /not valid JSON/);
    assert.deepEqual(parseFigureJson('  ').data, []);
    assert.deepEqual(parseFigure(undefined).problems, []);
  });
});
