/** Builds the script-tag bundles a test needs when dist/ lacks them (npm test before npm run build). */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const BUNDLES = {
  iife: 'dist/plotly-stream.iife.js',
  'iife-no-plotly': 'dist/plotly-stream.no-plotly.iife.js',
} as const;

export function ensureBundles(...modes: Array<keyof typeof BUNDLES>): void {
  for (const mode of modes) {
    if (!existsSync(BUNDLES[mode]))
      execFileSync('npx', ['vite', 'build', '--mode', mode, '--logLevel', 'error'], { stdio: 'inherit' });
  }
}
