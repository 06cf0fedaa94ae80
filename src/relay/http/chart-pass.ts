/**
 * Who may watch a hosted chart, as a request shows it: the share key it presents, or its read token
 * (`Authorization: Bearer` or `access_token`) on a relay with private streams. One answer for the
 * chart's page, its subscription and its API.
 */
import type { IncomingMessage } from 'node:http';
import { presentedReadToken, type RequestGate } from '../access/request-gate.js';
import { mayView, type ChartPass } from '../charts/chart-viewers.js';
import { chartNames } from '../charts/charts.js';
import type { StoredChart } from '../engines/chart-store.js';
import type { RequestTarget } from './http.js';

/**
 * What lets this viewer watch the chart: anyone a public one; a private one its share key
 * (`presented`), or on a relay with private streams a read token (`Authorization: Bearer` or
 * `access_token`) that covers every token the chart streams. Null: nothing does.
 */
export async function passOf(
  req: IncomingMessage,
  target: RequestTarget,
  chart: StoredChart,
  presented: string | null,
  gate: RequestGate,
): Promise<ChartPass | null> {
  if (mayView(chart, presented)) return { shareKey: presented };
  if (gate.readAccess === null || presentedReadToken(req, target) === undefined) return null;
  const checked = await gate.checkRead(req, target, [...chartNames(chart).keys()]);
  return checked === null || 'status' in checked ? null : { grant: checked };
}
