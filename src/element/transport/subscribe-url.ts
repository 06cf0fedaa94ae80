/** The subscribe URL of a relay, resolved against the page (the wire's parameter names are in shared/protocol). */
import { SubscribeParam, formatPosition, type Positions } from '../../shared/protocol.js';

/**
 * Builds `${base}/subscribe?token=..&resume=..&runs=1&columns=1` for a transport, from an http(s) or
 * ws(s) base (`runs=1`: the element reads `run` events; `columns=1`: also runs with columns; a relay
 * that does not know them ignores them).
 */
export function subscribeUrl(
  base: string,
  tokens: Iterable<string>,
  positions: Positions,
  scheme: 'ws' | 'http',
  accessToken?: string,
): URL {
  // Relative to the page (code run under Node, as in tests, has no location).
  const page = (globalThis as { location?: { href: string } }).location?.href;
  const url = new URL(base, page);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  url.protocol = scheme === 'ws' ? (secure ? 'wss:' : 'ws:') : secure ? 'https:' : 'http:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/subscribe`;
  url.search = '';
  for (const token of tokens) url.searchParams.append(SubscribeParam.token, token);
  for (const [token, position] of positions) {
    url.searchParams.append(SubscribeParam.resume, formatPosition(token, position));
  }
  url.searchParams.set(SubscribeParam.runs, '1');
  url.searchParams.set(SubscribeParam.columns, '1');
  // Browsers cannot set headers on WebSocket or EventSource: the read token goes in the query.
  if (accessToken !== undefined && accessToken !== '') url.searchParams.set(SubscribeParam.accessToken, accessToken);
  return url;
}
