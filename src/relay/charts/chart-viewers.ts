/**
 * A hosted chart's viewers: who may watch it (anyone for a public chart; a private one needs its
 * share key, in the link it was shared by), and their subscription, asked by the names they know
 * the chart's tokens by, turned into the tokens behind them (a name that is not the chart's is not
 * subscribed; no name at all: every token of the chart).
 */
import type { SubscribeRequest } from '../../shared/protocol.js';
import type { StoredChart } from '../engines/chart-store.js';
import { sameKey } from './chart-keys.js';

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
