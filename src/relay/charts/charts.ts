/**
 * Hosted charts, as the routes use them: made (a new id, an edit key shown once, a share key for a
 * private chart), read as stored or as its viewers see it (no stream token), edited on the revision
 * stored (an edit that meets another is tried again on the newer one), deleted. Who may make and
 * edit one is the routes' to check; the bounds are the store's.
 */
import type { ChartRefusal, ChartStore, StoredChart } from '../engines/chart-store.js';
import { parseJson } from '../../shared/messages.js';
import { newChartId, newEditKey, newShareKey, sha256Hex, tokenName } from './chart-keys.js';
import { publicFigure, streamTokens, type Figure } from './chart-figure.js';

/** Times an edit is tried again when another came first. */
const EDIT_ATTEMPTS = 5;

export interface MadeChart {
  chart: StoredChart;
  /** Shown once, to whoever made the chart. */
  editKey: string;
}

export class Charts {
  readonly store: ChartStore;

  constructor(store: ChartStore) {
    this.store = store;
  }

  /**
   * Makes a chart, named among its owner's by the first of `filenames` not taken (or unnamed: null);
   * a refusal names the bound it met, or that every name is taken. The figure is written to text
   * once, whatever the names and ids tried (a figure may be a megabyte).
   */
  async create(
    figure: Figure,
    owner: string,
    worldReadable: boolean,
    filenames: readonly (string | null)[] = [null],
  ): Promise<MadeChart | ChartRefusal> {
    const editKey = newEditKey();
    const text = JSON.stringify(figure);
    const now = Date.now();
    let refused: ChartRefusal = 'name-taken';
    for (const filename of filenames) {
      for (let attempt = 0; ; attempt++) {
        const chart: StoredChart = {
          id: newChartId(),
          figure: text,
          editKeyHash: sha256Hex(editKey),
          owner,
          filename,
          worldReadable,
          shareKey: worldReadable ? null : newShareKey(),
          revision: 1,
          created: now,
          updated: now,
        };
        const answer = await this.store.create(chart);
        if (answer === null) return { chart, editKey };
        refused = answer;
        // An id already taken (one chance in 2^64 a try): another id.
        if (refused !== 'exists' || attempt >= 3) break;
      }
      if (refused !== 'name-taken') return refused;
    }
    return refused;
  }

  get(id: string): Promise<StoredChart | null> {
    return this.store.get(id);
  }

  /**
   * Applies `change` to the stored figure (`editFigure`, Plotly's fileopt, ...) and, when given, a
   * change of privacy; tried again on the newer revision when another edit came first. Null: no
   * such chart. `growsBy`: the least the change adds to the figure's bytes, for a change that only
   * grows it; one that would pass the figure's bound is refused before the stored figure is parsed
   * and written anew, which a client repeating it would otherwise have the relay do without end.
   */
  async edit(
    id: string,
    change: (figure: Figure) => Figure | { error: string },
    worldReadable?: boolean,
    growsBy?: number,
  ): Promise<StoredChart | { error: string } | 'too-big' | 'full' | 'conflict' | null> {
    for (let attempt = 0; attempt < EDIT_ATTEMPTS; attempt++) {
      const chart = await this.store.get(id);
      if (chart === null) return null;
      if (growsBy !== undefined && Buffer.byteLength(chart.figure) + growsBy > this.store.limits.maxFigureBytes)
        return 'too-big';
      const figure = change(figureOf(chart));
      if ('error' in figure) return figure;
      const readable = worldReadable ?? chart.worldReadable;
      const shareKey = readable ? null : (chart.shareKey ?? newShareKey());
      const stored = await this.store.update(id, chart.revision, {
        figure: JSON.stringify(figure),
        worldReadable: readable,
        shareKey,
      });
      if (stored !== 'conflict') return stored;
    }
    return 'conflict';
  }

  delete(id: string): Promise<boolean> {
    return this.store.delete(id);
  }
}

/** A stored chart's figure. */
export function figureOf(chart: StoredChart): Figure {
  return parseJson(chart.figure) as Figure;
}

/** The chart's stream tokens, each with the name its viewers know it by. */
export function chartNames(chart: StoredChart, figure: Figure = figureOf(chart)): Map<string, string> {
  const tokens = streamTokens(figure);
  return new Map(Array.isArray(tokens) ? tokens.map((token) => [token, tokenName(chart.editKeyHash, token)]) : []);
}

/** The figure as a chart's viewers get it: no stream token in it (the stored figure read once). */
export function viewerFigure(chart: StoredChart): Figure {
  const figure = figureOf(chart);
  const names = chartNames(chart, figure);
  return publicFigure(figure, (token) => names.get(token) ?? token);
}

/** A chart's page and embed under `origin` (`https://host:port`), with its share key when private. */
export function chartLinks(origin: string, chart: StoredChart): { url: string; embedUrl: string } {
  const base = `${origin}/charts/${chart.id}`;
  const query = chart.shareKey === null ? '' : `?share_key=${chart.shareKey}`;
  return { url: `${base}${query}`, embedUrl: `${base}/embed${query}` };
}
