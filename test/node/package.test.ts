/** What the package publishes: every exports target is built, and "./element" defines nothing. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

type Exports = Record<string, string | Record<string, string>>;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Exports; bin: Record<string, string> };
const targets = Object.values(pkg.exports).flatMap((target) =>
  typeof target === 'string' ? [target] : Object.values(target),
);

describe('the package', () => {
  it('builds every target of its exports map and its bin', { timeout: 180_000 }, () => {
    const all = [...targets, ...Object.values(pkg.bin)];
    // npm test before npm run build: build once, then check.
    if (!all.every((path) => existsSync(path))) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
    for (const path of all) assert.ok(existsSync(path), `${path} is missing after npm run build`);
  });

  it('lists types first in each conditional export', () => {
    for (const [name, target] of Object.entries(pkg.exports)) {
      if (typeof target !== 'string' && 'types' in target) assert.equal(Object.keys(target)[0], 'types', name);
    }
  });

  it('"./element" exports the class and defines nothing; "." defines <plotly-stream>', () => {
    const element = readFileSync('dist/element.js', 'utf8');
    assert.match(element, /\bas PlotlyStreamElement\b|\bPlotlyStreamElement\b/);
    assert.doesNotMatch(element, /\.define\(/);
    assert.match(readFileSync('dist/plotly-stream.js', 'utf8'), /PlotlyStreamElement\.define\(\)/);
  });
});
