/**
 * scripts/compact-css.ts: the element's styles lose only what CSS does not read (whitespace, the
 * quotes of an attribute selector's name, a fraction's leading zero), in the build and in the size
 * measure alike.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compactCss, compactCssVite } from '../../scripts/compact-css.js';

const source = readFileSync('src/element/styles.ts', 'utf8');
const literal = (code: string) => /css`([^`]*)`/.exec(code)?.[1] ?? '';
/** A literal with everything the compaction may take out taken out. */
const bare = (css: string) =>
  css
    .replace(/\s+/g, '')
    .replace(/'([a-z][\w-]*)'/g, '$1')
    .replace(/([,(:])0\./g, '$1.');

describe('compactCss', () => {
  it('takes out of the styles only what CSS does not read', () => {
    const compact = literal(compactCss(source));
    assert.equal(bare(compact), bare(literal(source)).replace(/;}/g, '}'));
    assert.ok(compact.length < literal(source).length * 0.8, `${compact.length} of ${literal(source).length}`);
    // What must stay: a descendant combinator, a shorthand's spaces, quoted empty content.
    assert.match(compact, /:host\(\[state=live\]\) \.label\{display:none\}/);
    assert.match(compact, /border:1px solid;/);
    assert.match(compact, /content:'';/);
    assert.match(compact, /rgba\(255,255,255,\.85\)/);
    // The rest of the file is as it was.
    assert.equal(compactCss(source).replace(literal(compactCss(source)), ''), source.replace(literal(source), ''));
  });

  it('leaves a literal with an interpolation, and other tags, as they are', () => {
    const code = 'css`a { color: ${c}; }`; html`<p> a </p>`; notcss`a { b: c }`';
    assert.equal(compactCss(code), code);
  });

  it("runs in Vite's build for the styles file alone", () => {
    const plugin = compactCssVite();
    const transform = plugin.transform as (code: string, id: string) => { code: string } | null;
    assert.equal(plugin.enforce, 'pre');
    assert.equal(transform(source, '/repo/src/element/styles.ts')?.code, compactCss(source));
    assert.equal(transform(source, '/repo/src/element/figure.ts'), null);
  });
});
