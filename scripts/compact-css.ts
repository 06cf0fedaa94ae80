/**
 * The element's styles as they ship: Lit `css` literals without the whitespace Prettier lays them
 * out with (about 50 bytes of the element's 20 KiB gzip). The build applies it (vite.config.ts),
 * and so does the bench's size measure (bench/size.ts), so the size test counts what ships.
 */
import { readFile } from 'node:fs/promises';
import type { Plugin as EsbuildPlugin } from 'esbuild';
import type { Plugin as VitePlugin } from 'vite';

/** The element's files that hold `css` literals. */
const STYLES = /[\\/]src[\\/]element[\\/]styles\.ts$/;

/**
 * `code` with each `css` literal's whitespace taken out: runs become one space, and none is left
 * next to `{`, `}`, `;` and `,`, after `:`, or before `}`; an attribute selector's quoted name
 * (`[state='live']`) and a fraction's leading zero go too. A literal with a `${}` is left as it is;
 * the literals hold no quoted text whose spaces count.
 */
export function compactCss(code: string): string {
  return code.replace(
    /\bcss`([^`$]*)`/g,
    (_, text: string) =>
      `css\`${text
        .replace(/\s+/g, ' ')
        .replace(/ ?([{};,]) ?/g, '$1')
        .replace(/: /g, ':')
        .replace(/;}/g, '}')
        .replace(/='([a-z][\w-]*)'/g, '=$1')
        .replace(/([ ,(])0\./g, '$1.')
        .trim()}\``,
  );
}

/** For Vite's build: the styles compacted before anything else reads them. */
export function compactCssVite(): VitePlugin {
  return {
    name: 'plotly-stream:compact-css',
    enforce: 'pre',
    transform: (code, id) => (STYLES.test(id) ? { code: compactCss(code), map: null } : null),
  };
}

/** The same for esbuild (the bench's size measure bundles the source with it). */
export const compactCssEsbuild: EsbuildPlugin = {
  name: 'plotly-stream:compact-css',
  setup(build) {
    build.onLoad({ filter: STYLES }, async ({ path }) => ({
      contents: compactCss(await readFile(path, 'utf8')),
      loader: 'ts',
    }));
  },
};
