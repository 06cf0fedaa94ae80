// Browser tests: Debian's Chromium through Playwright (no browser download), TypeScript via esbuild.
import { existsSync, readFileSync } from 'node:fs';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';

function chromiumPath() {
  const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const found = candidates.find((path) => path && existsSync(path));
  if (!found) throw new Error('No Chromium found: set CHROME_PATH or run `apt-get install -y chromium`.');
  return found;
}

/** plotly.js-basic-dist is UMD (it sets window.Plotly): serve it as an ES module too. */
const plotlyAsEsm = {
  name: 'plotly-umd-as-esm',
  transform(context) {
    if (/\/plotly\.js-[a-z-]+\/plotly[a-z.-]*\.js$/.test(context.path)) {
      return { body: `${context.body}\nexport default globalThis.Plotly;\n` };
    }
    return undefined;
  },
};

/** msw's SSE mocking needs its service worker at the root of the test pages. */
const mockServiceWorker = {
  name: 'msw-service-worker',
  serve(context) {
    if (context.path === '/mockServiceWorker.js') {
      return { body: readFileSync('node_modules/msw/lib/mockServiceWorker.js', 'utf8'), type: 'js' };
    }
    return undefined;
  },
};

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'development'] },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), plotlyAsEsm, mockServiceWorker],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: chromiumPath(),
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      },
    }),
  ],
  concurrency: 1,
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 300000,
};
