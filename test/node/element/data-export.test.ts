import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOWNLOAD_BUTTON, windowsToCSV, withDownloadButton } from '../../../src/element/data-export.js';

describe('data export', () => {
  it('a window as CSV: x and y first, a row per point, oldest first; shorter keys empty in the oldest rows', () => {
    const csv = windowsToCSV([{ trace: 0, data: { text: ['b', 'c'], y: [1, 2, 3], x: [10, 20, 30] } }], false);
    assert.equal(csv, 'x,y,text\r\n10,1,\r\n20,2,b\r\n30,3,c\r\n');
  });

  it('quotes what needs it, keeps gaps empty, and defuses spreadsheet formulas in text', () => {
    const csv = windowsToCSV(
      [{ trace: 2, data: { y: [null, -1, 'a,b', 'say "hi"', '=HYPERLINK("x")', '@sum', 'line\nbreak', true] } }],
      true,
    );
    assert.equal(
      csv,
      [
        'trace,y',
        '2,',
        '2,-1',
        '2,"a,b"',
        '2,"say ""hi"""',
        `2,"'=HYPERLINK(""x"")"`,
        "2,'@sum",
        '2,"line\nbreak"',
        '2,true',
        '',
      ].join('\r\n'),
    );
  });

  it('several traces: the union of their keys, with the trace index first', () => {
    const csv = windowsToCSV(
      [
        { trace: 0, data: { x: [1], y: [2] } },
        { trace: 3, data: { y: [5], 'marker.color': ['red'] } },
      ],
      true,
    );
    assert.equal(csv, 'trace,x,y,marker.color\r\n0,1,2,\r\n3,,5,red\r\n');
  });

  it("adds the modebar button beside the config's own, unless the config removes it by name", () => {
    const click = () => undefined;
    const config = withDownloadButton({ modeBarButtonsToAdd: ['v1hovermode'] }, click);
    const added = config['modeBarButtonsToAdd'] as Array<{ name: string; click: unknown }>;
    assert.equal(added.length, 2);
    assert.equal(added[1]?.name, DOWNLOAD_BUTTON);
    assert.equal(added[1]?.click, click);
    const removed = { modeBarButtonsToRemove: [DOWNLOAD_BUTTON] };
    assert.equal(withDownloadButton(removed, click), removed);
  });
});
