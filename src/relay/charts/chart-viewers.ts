/**
 * A hosted chart's viewers: who may watch it (anyone for a public chart; a private one needs its
 * share key, in the link it was shared by, or on a relay with private streams a read token that
 * covers every token the chart streams), and their subscription, asked by the names they know the
 * chart's tokens by, turned into the tokens behind them (a name that is not the chart's is not
 * subscribed; no name at all: every token of the chart).
 */
import type { SubscribeRequest } from '../../shared/protocol.js';
import { ReadAccess, type ReadGrant } from '../access/read-access.js';
import type { StoredChart } from '../engines/chart-store.js';
import { sameKey } from './chart-keys.js';

/** What a viewer showed to watch a chart: a share key (or none), or a read token's grant. */
export type ChartPass = { shareKey: string | null } | { grant: ReadGrant };

/**
 * Whether `pass` lets its holder watch the chart as it is now (`tokens`: the chart's stream
 * tokens): checked again at each edit, which may make the chart private or stream other tokens.
 */
export function mayWatch(chart: StoredChart, pass: ChartPass, tokens: readonly string[]): boolean {
  if (chart.worldReadable) return true;
  if ('grant' in pass) return pass.grant.expiresAt > Date.now() && ReadAccess.check(pass.grant, tokens) === null;
  return mayView(chart, pass.shareKey);
}

/** Whether a viewer with `shareKey` (or none) may watch the chart. */
export function mayView(chart: StoredChart, shareKey: string | null): boolean {
  return chart.worldReadable || (chart.shareKey !== null && shareKey !== null && sameKey(shareKey, chart.shareKey));
}

export const PRIVATE_CHART = 'this chart is private: open it with the link it was shared by (it carries a share_key)';

/** The request with names turned into the chart's tokens, positions too. */
export function chartRequest(request: SubscribeRequest, names: ReadonlyMap<string, string>): SubscribeRequest {
  const byName = new Map([...names].map(([token, name]) => [name, token]));
  const tokens: string[] = [];
  const invalid = [...request.invalid];
  for (const name of request.tokens) {
    const token = byName.get(name);
    if (token === undefined) invalid.push(name);
    else tokens.push(token);
  }
  const resume = new Map();
  for (const [name, position] of request.resume) {
    const token = byName.get(name);
    if (token !== undefined) resume.set(token, position);
  }
  const asked = request.tokens.length === 0 ? [...names.keys()] : tokens;
  return { ...request, tokens: asked, invalid, resume };
}
