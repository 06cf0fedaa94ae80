/** Bundle sizes, minified and gzipped: the element alone, with Lit, and the IIFE with Plotly. */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';

export interface SizeRow {
  name: string;
  minBytes: number;
  gzipBytes: number;
}

const row = (name: string, code: string | Buffer): SizeRow => ({
  name,
  minBytes: Buffer.byteLength(code),
  gzipBytes: gzipSync(code, { level: 9 }).length,
});

export async function sizes(): Promise<SizeRow[]> {
  // dist/plotly-stream.js imports its chunks (the class is shared with dist/element.js): bundle the
  // ESM build with only its dependencies left out.
  const alone = await build({
    entryPoints: ['dist/plotly-stream.js'],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: 'es2022',
    external: ['lit', 'lit/*', '@lit/*', 'plotly.js-basic-dist'],
    logLevel: 'silent',
  });
  const withLit = await build({
    entryPoints: ['src/index.ts'],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: 'es2022',
    conditions: ['production'],
    external: ['plotly.js-basic-dist'],
    logLevel: 'silent',
  });
  const plotly = await transform(readFileSync('node_modules/plotly.js-basic-dist/plotly-basic.js', 'utf8'), {
    minify: true,
    logLevel: 'silent',
  });
  return [
    row('dist/plotly-stream.js, without its dependencies', (alone.outputFiles[0] as { text: string }).text),
    row('the element with Lit (plotly.js external)', (withLit.outputFiles[0] as { text: string }).text),
    row('dist/plotly-stream.iife.js (Lit and plotly.js-basic-dist inside)', readFileSync('dist/plotly-stream.iife.js')),
    row('for scale: plotly.js-basic-dist alone', plotly.code),
  ];
}
