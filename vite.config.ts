import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { compactCssVite } from './scripts/compact-css.js';

/**
 * `vite build --mode esm`: dist/plotly-stream.js (defines the tag) and dist/element.js (the class
 * alone, `plotly-stream/element`), lit and plotly.js-basic-dist left as imports.
 * `vite build --mode iife`: dist/plotly-stream.iife.js, one file with Lit and Plotly inside, for a
 * `<script src>` (an IIFE, not UMD: Jupyter's RequireJS would swallow a UMD bundle).
 * `vite build --mode iife-no-plotly`: dist/plotly-stream.no-plotly.iife.js, Lit inside, drawing with
 * the page's own window.Plotly (src/element/plotly-global.ts stands in for plotly.js-basic-dist).
 * `vite` (npm start): the demo page.
 */
export default defineConfig(({ command, mode }) => {
  if (command === 'serve') {
    return {
      root: 'demo',
      server: { host: '127.0.0.1', port: 5173, open: false, fs: { allow: ['..'] } },
      appType: 'mpa',
    };
  }
  const noPlotly = mode === 'iife-no-plotly';
  const iife = mode === 'iife' || noPlotly;
  const fileName = noPlotly ? 'plotly-stream.no-plotly.iife.js' : 'plotly-stream.iife.js';
  return {
    plugins: [compactCssVite()],
    resolve: noPlotly
      ? { alias: { 'plotly.js-basic-dist': fileURLToPath(new URL('src/element/plotly-global.ts', import.meta.url)) } }
      : {},
    build: {
      outDir: 'dist',
      emptyOutDir: false,
      sourcemap: true,
      minify: iife,
      target: 'es2022',
      lib: {
        // The IIFE is one script; the ESM build has a second entry that defines nothing.
        entry: iife ? 'src/index.ts' : { 'plotly-stream': 'src/index.ts', element: 'src/element.ts' },
        name: 'PlotlyStream',
        formats: [iife ? 'iife' : 'es'],
        fileName: (_format, entry) => (iife ? fileName : `${entry}.js`),
      },
      rollupOptions: iife
        ? {}
        : {
            external: [/^lit($|\/)/, /^@lit\//, 'plotly.js-basic-dist'],
            // A stable name: dist/ is not emptied between builds, so hashed chunks would pile up.
            output: { chunkFileNames: 'plotly-stream-[name].js' },
          },
    },
  };
});
