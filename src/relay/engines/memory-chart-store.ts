/** Hosted charts in this relay's memory: gone when it restarts, bounded by `ChartLimits`. */
import type { ChartLimits, ChartRefusal, ChartStore, StoredChart } from './chart-store.js';

export class MemoryChartStore implements ChartStore {
  readonly limits: ChartLimits;
  readonly #charts = new Map<string, StoredChart>();
  readonly #perOwner = new Map<string, number>();
  /** Ids by owner and name. */
  readonly #names = new Map<string, string>();
  /** Bytes of all figures held. */
  #bytes = 0;
  readonly #listeners = new Set<(id: string) => void>();

  constructor(limits: ChartLimits) {
    this.limits = limits;
  }

  async create(chart: StoredChart): Promise<ChartRefusal | null> {
    if (Buffer.byteLength(chart.figure) > this.limits.maxFigureBytes) return 'too-big';
    if (this.#charts.has(chart.id)) return 'exists';
    if (chart.filename !== null && this.#names.has(nameKey(chart.owner, chart.filename))) return 'name-taken';
    const size = Buffer.byteLength(chart.figure);
    if (this.#charts.size >= this.limits.maxCharts || this.#bytes + size > this.limits.maxTotalBytes) return 'full';
    const owned = this.#perOwner.get(chart.owner) ?? 0;
    if (owned >= this.limits.maxChartsPerOwner) return 'owner-full';
    this.#charts.set(chart.id, { ...chart });
    this.#perOwner.set(chart.owner, owned + 1);
    if (chart.filename !== null) this.#names.set(nameKey(chart.owner, chart.filename), chart.id);
    this.#bytes += size;
    return null;
  }

  async get(id: string): Promise<StoredChart | null> {
    const chart = this.#charts.get(id);
    return chart === undefined ? null : { ...chart };
  }

  async findByName(owner: string, filename: string): Promise<string | null> {
    return this.#names.get(nameKey(owner, filename)) ?? null;
  }

  async update(
    id: string,
    revision: number,
    change: Pick<StoredChart, 'figure' | 'worldReadable' | 'shareKey'>,
  ): Promise<StoredChart | 'conflict' | 'too-big' | 'full' | null> {
    const chart = this.#charts.get(id);
    if (chart === undefined) return null;
    if (chart.revision !== revision) return 'conflict';
    const grows = Buffer.byteLength(change.figure) - Buffer.byteLength(chart.figure);
    if (Buffer.byteLength(change.figure) > this.limits.maxFigureBytes) return 'too-big';
    if (grows > 0 && this.#bytes + grows > this.limits.maxTotalBytes) return 'full';
    this.#bytes += grows;
    const updated: StoredChart = { ...chart, ...change, revision: revision + 1, updated: Date.now() };
    this.#charts.set(id, updated);
    this.#changed(id);
    return { ...updated };
  }

  async delete(id: string): Promise<boolean> {
    const chart = this.#charts.get(id);
    if (chart === undefined) return false;
    this.#charts.delete(id);
    if (chart.filename !== null) this.#names.delete(nameKey(chart.owner, chart.filename));
    this.#bytes -= Buffer.byteLength(chart.figure);
    const owned = (this.#perOwner.get(chart.owner) ?? 1) - 1;
    if (owned > 0) this.#perOwner.set(chart.owner, owned);
    else this.#perOwner.delete(chart.owner);
    this.#changed(id);
    return true;
  }

  onChange(listener: (id: string) => void): void {
    this.#listeners.add(listener);
  }

  #changed(id: string): void {
    // After the caller's own answer: a listener's work never delays or breaks the edit.
    queueMicrotask(() => {
      for (const listener of this.#listeners) listener(id);
    });
  }
}

/** An owner's name, as one key (an owner holds no newline). */
function nameKey(owner: string, filename: string): string {
  return `${owner}\n${filename}`;
}
