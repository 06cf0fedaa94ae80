/**
 * The viewers of each hosted chart, so that an edit reaches them at once, over the connection they
 * have: its new figure (a `figure` event, tokens by their names), the tokens it adds subscribed and
 * those it drops unsubscribed. A chart deleted, or made private for a viewer without its share key,
 * ends its viewers with the reason. Every relay hears of every edit (the store tells them).
 */
import { CloseCode, encodeFigure } from '../../shared/protocol.js';
import { mayWatch, PRIVATE_CHART, type ChartPass } from '../charts/chart-viewers.js';
import { chartNames, viewerFigure, type Charts } from '../charts/charts.js';
import type { StoredChart } from '../engines/chart-store.js';
import type { RelayLog } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Subscription } from '../viewers/subscription.js';

interface Watcher {
  subscription: Subscription;
  /** The names the subscription knows its tokens by (kept up to date with the chart's tokens). */
  names: Map<string, string>;
  /** What the viewer showed to watch a private chart (a share key, a read token's grant). */
  pass: ChartPass;
}

export class ChartWatchers {
  readonly #charts: Charts;
  readonly #metrics: Metrics;
  readonly #log: RelayLog;
  readonly #byChart = new Map<string, Set<Watcher>>();

  constructor(charts: Charts, metrics: Metrics, log: RelayLog) {
    this.#charts = charts;
    this.#metrics = metrics;
    this.#log = log;
    charts.store.onChange((id) => {
      if (this.#byChart.has(id))
        this.#changed(id).catch((error: unknown) =>
          log.line('lifecycle', `chart ${id}: its viewers could not be told of an edit: ${(error as Error).message}`),
        );
    });
  }

  /** A viewer of a chart, sent its figure now; returns what ends the watch. */
  watch(chart: StoredChart, subscription: Subscription, names: Map<string, string>, pass: ChartPass): () => void {
    const watcher: Watcher = { subscription, names, pass };
    const watchers = this.#byChart.get(chart.id) ?? new Set<Watcher>();
    watchers.add(watcher);
    this.#byChart.set(chart.id, watchers);
    subscription.sendNow(encodeFigure(chart.revision, viewerFigure(chart)));
    return () => {
      watchers.delete(watcher);
      if (watchers.size === 0 && this.#byChart.get(chart.id) === watchers) this.#byChart.delete(chart.id);
    };
  }

  async #changed(id: string): Promise<void> {
    const chart = await this.#charts.get(id);
    const watchers = [...(this.#byChart.get(id) ?? [])];
    if (chart === null) {
      for (const { subscription } of watchers) subscription.close(CloseCode.forbidden, 'this chart was deleted');
      return;
    }
    // What every viewer of the chart is told, made once for all of them.
    const next = chartNames(chart);
    const tokens = [...next.keys()];
    const event = encodeFigure(chart.revision, viewerFigure(chart));
    for (const watcher of watchers) {
      const { subscription, names } = watcher;
      if (subscription.closed) continue;
      if (!mayWatch(chart, watcher.pass, tokens)) {
        subscription.close(CloseCode.forbidden, PRIVATE_CHART);
        continue;
      }
      const dropped = [...names.keys()].filter((token) => !next.has(token));
      const added = [...next.keys()].filter((token) => !names.has(token));
      for (const token of added) names.set(token, next.get(token) as string);
      // The figure first: the element makes the new traces' windows before their points come.
      subscription.sendNow(event);
      subscription.remove(dropped);
      for (const token of dropped) {
        names.delete(token);
        this.#metrics.token(token).subscribers--;
      }
      if (added.length === 0) continue;
      for (const token of added) this.#metrics.connected(token).subscribers++;
      subscription.add(added, new Map()).catch((error: unknown) => {
        for (const token of added) this.#metrics.token(token).subscribers--;
        this.#log.line('lifecycle', `chart ${id}: its new tokens could not be subscribed: ${(error as Error).message}`);
      });
    }
  }
}
