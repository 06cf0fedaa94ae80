/**
 * Where hosted charts live (charts shareable by a link): the contract both engines keep, and what a
 * stored chart is. A chart holds its figure with its stream tokens (write credentials: the routes
 * never show them to a viewer), a hash of its edit key, its owner and whether anyone may view it.
 * Bounded, whatever clients do: a figure's size, the charts of one owner, the charts and their bytes
 * in all.
 */

export interface StoredChart {
  /** Short, random, hard to guess: the chart's URL. */
  id: string;
  /** The figure as JSON text: `{data, layout, config}`, traces naming their stream tokens. */
  figure: string;
  /** SHA-256 (hex) of the chart's edit key; the key itself is never stored. */
  editKeyHash: string;
  /** Who made it: a hash of the write key it was made with, or the client's address on a relay without keys. */
  owner: string;
  /**
   * Its name among its owner's charts (Plotly's `filename`: `fileopt` overwrite, extend and append
   * find a chart by it), or null. One chart per owner and name.
   */
  filename: string | null;
  /** False for a private chart: a viewer needs its share key (or a read token). */
  worldReadable: boolean;
  /** A private chart's share key (in its URL as `?share_key=`), null for a public one. */
  shareKey: string | null;
  /** One more at every edit, from 1. */
  revision: number;
  /** When it was made and last edited, in ms since the Unix epoch. */
  created: number;
  updated: number;
}

export interface ChartLimits {
  /** Bytes of a chart's figure text. */
  maxFigureBytes: number;
  /** Charts one owner may keep. */
  maxChartsPerOwner: number;
  /** Charts in all. */
  maxCharts: number;
  /** Bytes of figures in all (what the relay's memory holds for charts, with the memory engine). */
  maxTotalBytes: number;
}

/** Why a chart was not stored: its id taken, its owner's name taken, or a bound. */
export type ChartRefusal = 'exists' | 'name-taken' | 'too-big' | 'owner-full' | 'full';

export interface ChartStore {
  readonly limits: ChartLimits;
  /** Stores a new chart; a refusal says which bound it met (or that its id is taken). */
  create(chart: StoredChart): Promise<ChartRefusal | null>;
  get(id: string): Promise<StoredChart | null>;
  /** The id of the owner's chart by this name, or null. */
  findByName(owner: string, filename: string): Promise<string | null>;
  /**
   * Replaces a chart's figure and settings if its revision is still `revision` (the edit was made on
   * what is stored); returns the chart as stored, `conflict` when another edit came first, `too-big`,
   * or null when there is no such chart. Every relay's `onChange` listeners hear of it.
   */
  update(
    id: string,
    revision: number,
    change: Pick<StoredChart, 'figure' | 'worldReadable' | 'shareKey'>,
  ): Promise<StoredChart | 'conflict' | 'too-big' | 'full' | null>;
  /** Deletes a chart (false: there was none); every relay's listeners hear of it. */
  delete(id: string): Promise<boolean>;
  /** Hears of each chart edited or deleted, on any relay that shares the store. */
  onChange(listener: (id: string) => void): void;
}

export const DEFAULT_CHART_LIMITS: ChartLimits = {
  maxFigureBytes: 1024 * 1024,
  maxChartsPerOwner: 1000,
  maxCharts: 10_000,
  maxTotalBytes: 64 * 1024 * 1024,
};
