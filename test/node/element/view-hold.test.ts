import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ViewHold } from '../../../src/element/view-hold.js';

describe('ViewHold', () => {
  it('a zoom or pan holds its axes; an autoscale of each returns to live', () => {
    const hold = new ViewHold();
    assert.equal(hold.view, 'live');
    assert.equal(hold.relayout({ 'xaxis.range[0]': 3, 'xaxis.range[1]': 9 }), 'held');
    assert.equal(hold.relayout({ 'yaxis2.range': [0, 1] }), null, 'still held');
    assert.deepEqual(hold.followUpdate(), { 'xaxis.autorange': true, 'yaxis2.autorange': true }, 'both held');
    assert.equal(hold.relayout({ 'xaxis.autorange': true, 'xaxis.showspikes': false }), null, 'yaxis2 still held');
    assert.equal(hold.relayout({ 'yaxis2.autorange': true }), 'live');
  });

  it('other relayouts (a resize, a drag mode) are not a hold; clear forgets every hold', () => {
    const hold = new ViewHold();
    assert.equal(hold.relayout({ autosize: true }), null);
    assert.equal(hold.relayout({ dragmode: 'pan', 'xaxis.title.text': 'x' }), null);
    assert.equal(hold.view, 'live');
    hold.relayout({ 'xaxis.range': [0, 1] });
    assert.equal(hold.clear(), 'live');
    assert.equal(hold.clear(), null);
  });
});
