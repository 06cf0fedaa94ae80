/** The docs list what the code defines: error codes and close codes, each once, nothing extra. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { STREAM_ERROR_CODES } from '../../src/element/errors.js';
import { CloseCode, RELAY_ERROR_CODES } from '../../src/shared/protocol.js';

/** The first column of the markdown table that follows `heading` (a line of the document). */
function tableCodes(text: string, heading: RegExp): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => heading.test(line));
  assert.notEqual(start, -1, `no line matches ${heading}`);
  const codes: string[] = [];
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('|')) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const cell = /^\|\s*`([^`]+)`\s*\|/.exec(trimmed);
    if (cell) codes.push(cell[1] as string);
  }
  return codes;
}

describe('docs match the code', () => {
  it("the README's error table lists every StreamErrorCode, in order", () => {
    const readme = readFileSync('README.md', 'utf8');
    assert.deepEqual(tableCodes(readme, /^Errors \(`plotly-stream-error`/), [...STREAM_ERROR_CODES]);
  });

  it('docs/protocol.md lists every error code the relay sends', () => {
    const doc = readFileSync('docs/protocol.md', 'utf8');
    assert.deepEqual(tableCodes(doc, /^- `error`:/), [...RELAY_ERROR_CODES]);
  });

  it('docs/protocol.md names every WebSocket close code', () => {
    const doc = readFileSync('docs/protocol.md', 'utf8');
    const line = doc.slice(doc.indexOf('WebSocket close codes:'));
    for (const [name, code] of Object.entries(CloseCode)) assert.match(line, new RegExp(`\`${code}\``), name);
  });

  it('docs/architecture.md names only files and folders that exist', () => {
    const doc = readFileSync('docs/architecture.md', 'utf8');
    const named = new Set([...doc.matchAll(/`([\w./-]+(?:\.ts|\.json|\/))`/g)].map((m) => m[1] as string));
    assert.ok(named.size > 100, `only ${named.size} paths found: the pattern no longer reads the page`);
    const everything = readdirSync('src', { recursive: true, encoding: 'utf8' });
    const missing = [...named].filter((path) => {
      const bare = path.replace(/\/$/, '');
      if (bare.includes('/'))
        return !['', 'src/', 'src/relay/', 'src/element/'].some((root) => existsSync(root + path));
      // A bare name, read in its section's folder: a file at the root or anywhere under src/.
      return !existsSync(bare) && !everything.some((file) => file === bare || file.endsWith(`/${bare}`));
    });
    assert.deepEqual(missing, []);
  });
});
