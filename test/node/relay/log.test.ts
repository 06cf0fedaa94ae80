import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RelayLog, safeLogText } from '../../../src/relay/log.js';

describe('relay log', () => {
  it('escapes control characters and line separators, and cuts long lines', () => {
    assert.equal(safeLogText('a\u001b[31mb\u0000c\nd\u2028e\u007f'), 'a\\x1b[31mb\\x00c\\x0ad\\u2028e\\x7f');
    const long = safeLogText('x'.repeat(5000));
    assert.ok(long.length < 1100);
    assert.match(long, /cut\)$/);
  });

  it('writes a kind of line up to its budget, then counts the rest and says how many', async () => {
    const lines: string[] = [];
    const log = new RelayLog((line) => lines.push(line), { budget: 3, windowMs: 100 });
    for (let i = 0; i < 1000; i++) log.line('rejected', `bad line ${i}`);
    log.line('refused', 'another kind has its own budget');
    log.line('lifecycle', 'never dropped');
    assert.deepEqual(lines, [
      'bad line 0',
      'bad line 1',
      'bad line 2',
      'another kind has its own budget',
      'never dropped',
    ]);
    // The count comes at the end of the window, though nothing else is logged.
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual(lines.slice(5), ['997 more "rejected" lines not logged (over 3 in 0.1 s)']);
    log.line('rejected', 'a new window');
    assert.equal(lines.at(-1), 'a new window');
  });

  it('flush writes what was counted (on close)', () => {
    const lines: string[] = [];
    const log = new RelayLog((line) => lines.push(line), { budget: 1, windowMs: 60_000 });
    log.line('malformed', 'one');
    log.line('malformed', 'two');
    log.flush();
    assert.deepEqual(lines, ['one', '1 more "malformed" line not logged (over 1 in 60 s)']);
  });
});
