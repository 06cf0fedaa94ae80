/**
 * Hosted charts in Redis: they survive relay restarts and every relay on the same Redis (and
 * prefix) serves every chart. Each edit or deletion is published, so each relay's viewers of the
 * chart hear of it. The bounds are counted in Redis, by atomic scripts (redis-scripts.ts).
 */
import type { ChartLimits, ChartRefusal, ChartStore, StoredChart } from './chart-store.js';
import type { RedisLink } from './redis-link.js';
import { CHART_CREATE_SCRIPT, CHART_DELETE_SCRIPT, CHART_UPDATE_SCRIPT } from './redis-scripts.js';

export class RedisChartStore implements ChartStore {
  readonly limits: ChartLimits;
  readonly #link: RedisLink;
  readonly #prefix: string;
  readonly #listeners = new Set<(id: string) => void>();

  constructor(link: RedisLink, prefix: string, limits: ChartLimits) {
    this.#link = link;
    this.#prefix = prefix;
    this.limits = limits;
  }

  /** The channel edits and deletions are published on (the engine subscribes to it). */
  static channel(prefix: string): string {
    return `${prefix}charts`;
  }

  /** A relay (this one too) edited or deleted a chart. */
  heard(id: string): void {
    for (const listener of this.#listeners) listener(id);
  }

  async create(chart: StoredChart): Promise<ChartRefusal | null> {
    if (Buffer.byteLength(chart.figure) > this.limits.maxFigureBytes) return 'too-big';
    const fields = Object.entries(toHash(chart)).flat();
    const answer = await this.#link.eval(CHART_CREATE_SCRIPT, this.#keys(chart.id), [
      String(this.limits.maxCharts),
      String(this.limits.maxChartsPerOwner),
      chart.owner,
      String(this.limits.maxTotalBytes),
      String(Buffer.byteLength(chart.figure)),
      chart.filename === null ? '' : nameField(chart.owner, chart.filename),
      chart.id,
      ...fields,
    ]);
    return answer === 'ok' ? null : (answer as ChartRefusal);
  }

  async get(id: string): Promise<StoredChart | null> {
    const reply = await this.#link.command(this.#chartKey(id), ['HGETALL', this.#chartKey(id)]);
    // A flat list of fields and values (RESP2), or the client's object of them (RESP3).
    const hash: Record<string, string> = Object.create(null) as Record<string, string>;
    if (Array.isArray(reply))
      for (let i = 0; i + 1 < reply.length; i += 2) hash[String(reply[i])] = String(reply[i + 1]);
    else if (typeof reply === 'object' && reply !== null)
      for (const [field, value] of Object.entries(reply)) hash[field] = String(value);
    return hash['revision'] === undefined ? null : fromHash(id, hash);
  }

  async findByName(owner: string, filename: string): Promise<string | null> {
    const id = await this.#link.command(this.#namesKey, ['HGET', this.#namesKey, nameField(owner, filename)]);
    return typeof id === 'string' && id !== '' ? id : null;
  }

  async update(
    id: string,
    revision: number,
    change: Pick<StoredChart, 'figure' | 'worldReadable' | 'shareKey'>,
  ): Promise<StoredChart | 'conflict' | 'too-big' | 'full' | null> {
    if (Buffer.byteLength(change.figure) > this.limits.maxFigureBytes) return 'too-big';
    const answer = await this.#link.eval(
      CHART_UPDATE_SCRIPT,
      [this.#chartKey(id), this.#bytesKey],
      [
        String(revision),
        change.figure,
        change.worldReadable ? '1' : '0',
        change.shareKey ?? '',
        String(Date.now()),
        RedisChartStore.channel(this.#prefix),
        id,
        String(this.limits.maxTotalBytes),
      ],
    );
    if (answer === 'missing') return null;
    if (answer === 'conflict' || answer === 'full') return answer;
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const answer = await this.#link.eval(CHART_DELETE_SCRIPT, this.#keys(id), [
      RedisChartStore.channel(this.#prefix),
      id,
    ]);
    return Number(answer) === 1;
  }

  onChange(listener: (id: string) => void): void {
    this.#listeners.add(listener);
  }

  #chartKey(id: string): string {
    return `${this.#prefix}{charts}:chart:${id}`;
  }

  get #bytesKey(): string {
    return `${this.#prefix}{charts}:bytes`;
  }

  get #namesKey(): string {
    return `${this.#prefix}{charts}:names`;
  }

  #keys(id: string): string[] {
    return [
      this.#chartKey(id),
      `${this.#prefix}{charts}:owners`,
      `${this.#prefix}{charts}:count`,
      this.#bytesKey,
      this.#namesKey,
    ];
  }
}

function toHash(chart: StoredChart): Record<string, string> {
  return {
    figure: chart.figure,
    editKeyHash: chart.editKeyHash,
    owner: chart.owner,
    filename: chart.filename ?? '',
    worldReadable: chart.worldReadable ? '1' : '0',
    shareKey: chart.shareKey ?? '',
    revision: String(chart.revision),
    created: String(chart.created),
    updated: String(chart.updated),
  };
}

function fromHash(id: string, hash: Record<string, string>): StoredChart {
  return {
    id,
    figure: hash['figure'] ?? '{}',
    editKeyHash: hash['editKeyHash'] ?? '',
    owner: hash['owner'] ?? '',
    filename: hash['filename'] === undefined || hash['filename'] === '' ? null : hash['filename'],
    worldReadable: hash['worldReadable'] !== '0',
    shareKey: hash['shareKey'] === undefined || hash['shareKey'] === '' ? null : hash['shareKey'],
    revision: Number(hash['revision'] ?? 1),
    created: Number(hash['created'] ?? 0),
    updated: Number(hash['updated'] ?? 0),
  };
}

/** The names hash's field for an owner's name (an owner holds no newline). */
function nameField(owner: string, filename: string): string {
  return `${owner}\n${filename}`;
}
