/**
 * Serves the script-tag bundles (`/plotly-stream.js`, `/plotly-stream.no-plotly.js`) with CORS, an
 * ETag and gzip, from memory, re-read when the file changes (a rebuild while the relay runs).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { sendText } from './http.js';

/** The IIFE bundle next to this file's package (from src/relay/http or from dist/node/relay/http). */
export function defaultBundlePath(): string {
  for (const relative of ['../../../dist/plotly-stream.iife.js', '../../../plotly-stream.iife.js']) {
    const path = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(path)) return path;
  }
  return fileURLToPath(new URL('../../../dist/plotly-stream.iife.js', import.meta.url));
}

interface CachedFile {
  mtime: number;
  raw: Buffer;
  gzip: Buffer;
  etag: string;
}

export class BundleServer {
  /** URL path -> file. */
  readonly paths: ReadonlyMap<string, string>;
  readonly #cors: string;
  readonly #cache = new Map<string, CachedFile>();

  /** `bundlePath` is the full IIFE; its sibling `.no-plotly.iife.js` is served beside it. */
  constructor(bundlePath: string, cors: string) {
    this.paths = new Map([
      ['/plotly-stream.js', bundlePath],
      ['/plotly-stream.no-plotly.js', bundlePath.replace(/(\.iife)?\.js$/, '.no-plotly.iife.js')],
    ]);
    this.#cors = cors;
  }

  /** Answers GET or HEAD for one of `paths`. */
  serve(req: IncomingMessage, res: ServerResponse, urlPath: string): void {
    const headers = { 'access-control-allow-origin': this.#cors };
    const path = this.paths.get(urlPath) as string;
    const file = this.#read(path);
    if (file === null) {
      sendText(res, 503, `the script-tag bundle is not built (${path}): run npm run build\n`, headers);
      return;
    }
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, { ...headers, etag: file.etag });
      res.end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? file.gzip : file.raw;
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/javascript; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-cache',
      etag: file.etag,
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  #read(path: string): CachedFile | null {
    let mtime: number;
    try {
      mtime = statSync(path).mtimeMs;
    } catch {
      return null;
    }
    let file = this.#cache.get(path);
    if (file === undefined || file.mtime !== mtime) {
      const raw = readFileSync(path);
      file = {
        mtime,
        raw,
        gzip: gzipSync(raw),
        etag: `"${raw.length.toString(36)}-${Math.round(mtime).toString(36)}"`,
      };
      this.#cache.set(path, file);
    }
    return file;
  }
}
