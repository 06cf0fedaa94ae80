/** Bundle sizes, minified and gzipped: the element alone, with Lit, and the IIFE with Plotly. */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';
import { compactCssEsbuild } from '../scripts/compact-css.js';

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
    plugins: [compactCssEsbuild],
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

/** What each part of the element costs: its minified bytes in the bundle (lit and plotly.js external). */
export interface PartRow {
  part: string;
  files: string[];
  minBytes: number;
  /** Its share of the bundle's gzip bytes, in proportion to its minified bytes (gzip does not split). */
  gzipShare: number;
}

/** The element's parts, by the files that make each (the first part that names a file takes it). */
const PARTS: Array<[part: string, pattern: RegExp]> = [
  ['connection to a relay (WebSocket, SSE, shared by the page)', /^src\/element\/transport\//],
  ['wire and message rules (shared with the relay)', /^src\/shared\//],
  ['windows (rings, traces, the figure)', /^src\/element\/(ring-buffer|trace-window|plot-model|figure)\.ts$/],
  [
    'frames (plans, pacing, the page budget, the range path and its lines)',
    /^src\/element\/(frame-plan|frame-loop|page-frames|stream-draw|direct-lines|plotly-api|plotly-global)\.ts$/,
  ],
  ['big windows (decimation)', /^src\/element\/(decimate|sliding-reduction|plot-geometry|x-numbers|dense-lines)\.ts$/],
  ['viewer features (view, data out, errors)', /^src\/element\/(view-hold|data-export|errors)\.ts$/],
  ['the element itself (wiring, styles, entry)', /^src\//],
];

/** The element bundled from its source (lit and plotly.js external), minified, and what each file holds of it. */
export interface ElementBundle {
  code: string;
  inputs: Record<string, { bytesInOutput: number }>;
}

export async function elementBundle(): Promise<ElementBundle> {
  const built = await build({
    entryPoints: ['src/index.ts'],
    bundle: true,
    plugins: [compactCssEsbuild],
    write: false,
    minify: true,
    metafile: true,
    format: 'esm',
    target: 'es2022',
    external: ['lit', 'lit/*', '@lit/*', 'plotly.js-basic-dist'],
    logLevel: 'silent',
  });
  const output = Object.values(built.metafile.outputs)[0];
  return { code: (built.outputFiles[0] as { text: string }).text, inputs: output?.inputs ?? {} };
}

/** The element's own size, min + gzip, bundled from its source (what its 20 KiB cap is on). */
export async function elementSize(bundle?: ElementBundle): Promise<SizeRow> {
  return row('the element from its source (lit and plotly.js external)', (bundle ?? (await elementBundle())).code);
}

export async function elementParts(bundle?: ElementBundle): Promise<PartRow[]> {
  const { code, inputs } = bundle ?? (await elementBundle());
  const gzipBytes = gzipSync(code, { level: 9 }).length;
  const total = Buffer.byteLength(code);
  const rows = PARTS.map(([part]) => ({ part, files: [] as string[], minBytes: 0, gzipShare: 0 }));
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    const index = PARTS.findIndex(([, pattern]) => pattern.test(file));
    const row = rows[index === -1 ? rows.length - 1 : index] as PartRow;
    row.files.push(file);
    row.minBytes += bytesInOutput;
  }
  for (const row of rows) row.gzipShare = Math.round((gzipBytes * row.minBytes) / total);
  return rows.filter((row) => row.minBytes > 0);
}
