/**
 * Builds the script-tag bundles a test needs when dist/ lacks them (npm test before npm run build),
 * or holds them older than a source file (a bundle built before an edit would test old code).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time of the sources a bundle is built from. */
function newestSource(): number {
  let newest = 0;
  for (const name of readdirSync('src', { recursive: true, encoding: 'utf8' }))
    newest = Math.max(newest, statSync(join('src', name)).mtimeMs);
  return newest;
}

const BUNDLES = {
  iife: 'dist/plotly-stream.iife.js',
  'iife-no-plotly': 'dist/plotly-stream.no-plotly.iife.js',
} as const;

export function ensureBundles(...modes: Array<keyof typeof BUNDLES>): void {
  const sources = newestSource();
  for (const mode of modes) {
    if (!existsSync(BUNDLES[mode]) || statSync(BUNDLES[mode]).mtimeMs < sources)
      execFileSync('npx', ['vite', 'build', '--mode', mode, '--logLevel', 'error'], { stdio: 'inherit' });
  }
}
