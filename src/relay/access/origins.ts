/**
 * Which web pages may use the relay, by their `Origin`: browsers send it with every WebSocket
 * upgrade, EventSource and cross-origin POST, so a page on evil.example cannot read from or write to
 * a relay on the viewer's own machine. Requests without `Origin` (curl, Python, Node, an Arduino)
 * are not pages and pass.
 *
 * Always allowed: loopback pages (`http(s)://localhost`, `127.x.x.x`, `[::1]`, any port: `npm start`,
 * Vite, Jupyter) and the relay's own address. A DNS-rebinding page (evil.example resolved to
 * 127.0.0.1) keeps its own host name in `Origin`, so it is refused like any other.
 * `--allow-origin` adds exact origins (`https://app.example.com`), subdomain patterns
 * (`https://*.example.com`, any depth, not the bare domain), `null` (file:// pages, sandboxed
 * frames) or `*` (every page).
 */

/** An entry of `--allow-origin` that is not an origin. */
export class OriginListError extends Error {}

interface Pattern {
  scheme: string;
  /** `.example.com` for `*.example.com`. */
  suffix: string;
  port: string;
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

export class OriginPolicy {
  readonly #any: boolean;
  readonly #exact = new Set<string>();
  readonly #patterns: Pattern[] = [];
  /** Hosts (`host:port`) of the relay's own address, set once it listens. */
  readonly #own = new Set<string>();

  /** Reads a list of origins (commas or whitespace between them); throws `OriginListError` on a bad one. */
  constructor(list: string | readonly string[] = []) {
    const entries = typeof list === 'string' ? list.split(/[\s,]+/) : list;
    let any = false;
    for (const raw of entries) {
      const entry = raw.trim();
      if (entry === '') continue;
      if (entry === '*') any = true;
      else if (entry === 'null') this.#exact.add('null');
      else if (entry.includes('*')) this.#patterns.push(parsePattern(entry));
      else this.#exact.add(normalise(entry));
    }
    this.#any = any;
  }

  /** True when every page may use the relay (`--allow-origin '*'`). */
  get allowsAny(): boolean {
    return this.#any;
  }

  /** The relay listens at `host:port`: pages served from there are its own. */
  addOwnAddress(host: string, port: number): void {
    if (host !== '' && host !== '0.0.0.0' && host !== '::' && host !== '[::]') this.#own.add(`${host}:${port}`);
  }

  /** True when a request with this `Origin` header (undefined: none, not a browser) may go on. */
  allows(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.#any) return true;
    if (this.#exact.has(origin)) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    if (LOOPBACK_HOST.test(url.hostname)) return true;
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    if (this.#own.has(`${url.hostname}:${port}`)) return true;
    if (this.#exact.has(`${url.protocol}//${url.host}`)) return true;
    return this.#patterns.some(
      (p) =>
        p.scheme === url.protocol &&
        url.hostname.endsWith(p.suffix) &&
        url.hostname.length > p.suffix.length &&
        (p.port === '*' || p.port === url.port),
    );
  }
}

function normalise(entry: string): string {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new OriginListError(`"${entry}" is not an origin (like https://app.example.com)`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname.length > 1 || url.search || url.hash)
    throw new OriginListError(`"${entry}" is not an origin: scheme, host and port only (like https://app.example.com)`);
  return `${url.protocol}//${url.host}`;
}

function parsePattern(entry: string): Pattern {
  const match = /^(https?):\/\/\*\.([a-z0-9.-]+?)(?::(\d+|\*))?\/?$/i.exec(entry);
  if (!match || (match[2] as string).startsWith('.') || !(match[2] as string).includes('.'))
    throw new OriginListError(
      `"${entry}" is not an origin pattern: a * may only stand for subdomains, as in https://*.example.com`,
    );
  return {
    scheme: `${(match[1] as string).toLowerCase()}:`,
    suffix: `.${(match[2] as string).toLowerCase()}`,
    port: match[3] ?? '',
  };
}
