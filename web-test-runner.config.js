// Browser tests: Debian's Chromium through Playwright (no browser download), TypeScript via esbuild.
import { readFileSync } from 'node:fs';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { selfSignedCertificate } from './scripts/certificate.ts';
import { CHROMIUM_ARGS, chromiumPath } from './scripts/chromium.ts';

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

/**
 * A real relay (src/relay) for the end-to-end tests, started with the test server; its URL is at
 * /__relay. The config imports TypeScript: npm run test:browser runs wtr under tsx.
 */
let relay = null;
/** A second relay with private streams, and an app backend's token endpoint for it (/__read-token). */
let privateRelay = null;
const READ_SECRET = 'the-browser-tests-read-secret-32-bytes!';
/** A third relay with TLS (a throwaway self-signed certificate): it speaks HTTP/2. */
let tlsRelay = null;
const realRelay = {
  name: 'real-relay',
  async serverStart() {
    const { createRelay } = await import('./src/relay/index.ts');
    relay = await createRelay({ port: 0, heartbeatMs: 1000, log: () => undefined });
    privateRelay = await createRelay({ port: 0, heartbeatMs: 1000, readSecret: READ_SECRET, log: () => undefined });
    tlsRelay = await createRelay({ port: 0, heartbeatMs: 1000, tls: selfSignedCertificate(), log: () => undefined });
  },
  async serverStop() {
    await relay?.close();
    await privateRelay?.close();
    await tlsRelay?.close();
  },
  async serve(context) {
    if (context.path === '/__relay') return { body: relay.url, type: 'text' };
    if (context.path === '/__private-relay') return { body: privateRelay.url, type: 'text' };
    if (context.path === '/__tls-relay') return { body: `https://localhost:${tlsRelay.port}`, type: 'text' };
    // The relay's open connections by kind, as its own counters have them (for the dashboard tests).
    if (context.path === '/__relay-connections')
      return { body: JSON.stringify(relay.metrics.connections), type: 'json' };
    if (context.path === '/__read-token') {
      const { signReadToken } = await import('./src/relay/index.ts');
      const streams = String(context.query.streams ?? '').split(',');
      const expiresIn = Number(context.query.expires ?? 3600);
      return { body: await signReadToken({ streams, expiresIn }, READ_SECRET), type: 'text' };
    }
    return undefined;
  },
};

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'development'] },
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }),
    plotlyAsEsm,
    mockServiceWorker,
    realRelay,
  ],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: chromiumPath(),
        args: CHROMIUM_ARGS,
      },
      // The TLS relay's certificate is self-signed, made for the run.
      createBrowserContext: ({ browser }) => browser.newContext({ ignoreHTTPSErrors: true }),
    }),
  ],
  concurrency: 1,
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 300000,
};
