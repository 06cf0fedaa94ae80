/**
 * Counters for `GET /metrics` (Prometheus text, or JSON with `?format=json`): connections, refusals,
 * and per token (at most `MAX_METRIC_TOKENS` idle ones are kept, so a scrape stays small).
 */
import { MAX_METRIC_TOKENS } from './constants.js';

export interface TokenCounters {
  messagesIn: number;
  rejected: number;
  producers: number;
  subscribers: number;
  /** Subscribers cut off for falling behind. */
  slowDisconnects: number;
  /** `reset` events sent. */
  resets: number;
  /** Ingests ended by the rate limit. */
  rateLimited: number;
  /** Lines accepted but not stored (the engine failed). */
  notStored: number;
}

export class Metrics {
  readonly startedAt = Date.now();
  /** Least recently connected to first (`connected` moves a token to the end). */
  readonly #tokens = new Map<string, TokenCounters>();
  readonly #maxTokens: number;
  connections = { websocket: 0, sse: 0, ingest: 0 };
  /** Requests refused by the relay's limits and policies, by reason. */
  refused: Record<string, number> = {};
  /** Requests the relay failed to serve (an error in its own code, answered 500; logged). */
  internalErrors = 0;
  /**
   * The relay's byte budgets, by name (`outgoing`: what waits for all viewers; `lines`: producers'
   * unfinished lines): what they hold (at least the truth), the most after any admitted write, the limit.
   */
  budgets: Record<string, { readonly total: number; readonly peak: number; readonly limit: number }> = {};

  /**
   * `maxTokens`: tokens with counters at most, beyond those with a connection open; past it, idle
   * ones (no producer, no subscriber) are forgotten, least recently connected first. Their counters
   * start again from 0 if they come back, which Prometheus reads as a counter reset.
   */
  constructor(maxTokens = MAX_METRIC_TOKENS) {
    this.#maxTokens = maxTokens;
  }

  /** Counts a refusal (`origin`, `read-token`, `client-connections`, ...). */
  refuse(reason: string): void {
    this.refused[reason] = (this.refused[reason] ?? 0) + 1;
  }

  /** A producer or subscriber connected to a token: it becomes the most recent, idle ones may go. */
  connected(token: string): TokenCounters {
    const counters = this.token(token);
    this.#tokens.delete(token);
    this.#tokens.set(token, counters);
    return counters;
  }

  /** Past `maxTokens`, idle tokens go, least recently connected first (never `keep`, just counted). */
  #trim(keep: string): void {
    if (this.#tokens.size <= this.#maxTokens) return;
    for (const [name, c] of this.#tokens) {
      if (this.#tokens.size <= this.#maxTokens) break;
      // Not the token counted now: its caller counts its producer, subscriber or message next.
      if (name !== keep && c.producers === 0 && c.subscribers === 0) this.#tokens.delete(name);
    }
  }

  /** Tokens with counters. */
  get tokenCount(): number {
    return this.#tokens.size;
  }

  token(token: string): TokenCounters {
    let counters = this.#tokens.get(token);
    if (counters === undefined) {
      counters = {
        messagesIn: 0,
        rejected: 0,
        producers: 0,
        subscribers: 0,
        slowDisconnects: 0,
        resets: 0,
        rateLimited: 0,
        notStored: 0,
      };
      this.#tokens.set(token, counters);
      // Tokens counted without a connection (MQTT topics) are bounded the same way.
      this.#trim(token);
    }
    return counters;
  }

  tokens(): IterableIterator<[string, TokenCounters]> {
    return this.#tokens.entries();
  }

  toJSON(history: (token: string) => { messages: number; bytes: number }) {
    const tokens: Record<string, TokenCounters & { historyMessages: number; historyBytes: number }> = {};
    // A scrape lists at most `maxTokens` tokens, the most recently connected (tokens with open
    // connections may be more, when many clients each watch many): its size and time stay bounded.
    const all = [...this.#tokens];
    const listed = all.slice(Math.max(0, all.length - this.#maxTokens));
    for (const [token, counters] of listed) {
      const held = history(token);
      tokens[token] = { ...counters, historyMessages: held.messages, historyBytes: held.bytes };
    }
    return {
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      connections: { ...this.connections },
      refused: { ...this.refused },
      internalErrors: this.internalErrors,
      budgets: Object.fromEntries(
        Object.entries(this.budgets).map(([name, b]) => [name, { held: b.total, peak: b.peak, limit: b.limit }]),
      ),
      tokensUnlisted: all.length - listed.length,
      tokens,
    };
  }

  toPrometheus(history: (token: string) => { messages: number; bytes: number }): string {
    const json = this.toJSON(history);
    const lines = [
      '# HELP plotly_stream_uptime_seconds Seconds since the relay started.',
      '# TYPE plotly_stream_uptime_seconds gauge',
      `plotly_stream_uptime_seconds ${json.uptimeSeconds}`,
      '# HELP plotly_stream_connections Open connections by kind.',
      '# TYPE plotly_stream_connections gauge',
      ...Object.entries(json.connections).map(([kind, n]) => `plotly_stream_connections{kind="${kind}"} ${n}`),
      "# HELP plotly_stream_refused_total Requests refused by the relay's limits and policies, by reason.",
      '# TYPE plotly_stream_refused_total counter',
      ...Object.entries(json.refused).map(([reason, n]) => `plotly_stream_refused_total{reason="${reason}"} ${n}`),
      '# HELP plotly_stream_internal_errors_total Requests the relay failed to serve (an error in its own code; its log says which).',
      '# TYPE plotly_stream_internal_errors_total counter',
      `plotly_stream_internal_errors_total ${json.internalErrors}`,
      '# HELP plotly_stream_budget_bytes What a byte budget holds (outgoing: waiting for viewers; lines: unfinished lines of producers; never below the truth), its most once a write was admitted, and its limit.',
      '# TYPE plotly_stream_budget_bytes gauge',
      ...Object.entries(json.budgets).flatMap(([name, b]) => [
        `plotly_stream_budget_bytes{budget="${name}",of="held"} ${b.held}`,
        `plotly_stream_budget_bytes{budget="${name}",of="peak"} ${b.peak}`,
        `plotly_stream_budget_bytes{budget="${name}",of="limit"} ${b.limit}`,
      ]),
      '# HELP plotly_stream_tokens_unlisted Tokens with counters left out of this scrape (only the most recent are listed).',
      '# TYPE plotly_stream_tokens_unlisted gauge',
      `plotly_stream_tokens_unlisted ${json.tokensUnlisted}`,
    ];
    const series: Array<[string, string, 'counter' | 'gauge', keyof (typeof json.tokens)[string]]> = [
      ['messages_in_total', 'Messages accepted by ingest.', 'counter', 'messagesIn'],
      ['rejected_total', 'Lines rejected by ingest.', 'counter', 'rejected'],
      ['rate_limited_total', 'Ingests ended by the rate limit.', 'counter', 'rateLimited'],
      ['not_stored_total', 'Lines accepted but not stored (the engine failed).', 'counter', 'notStored'],
      ['producers', 'Open ingest connections.', 'gauge', 'producers'],
      ['subscribers', 'Open subscriptions.', 'gauge', 'subscribers'],
      ['slow_disconnects_total', 'Subscribers cut off for falling behind.', 'counter', 'slowDisconnects'],
      ['resets_total', 'Reset events sent to subscribers.', 'counter', 'resets'],
      ['history_messages', 'Messages held in history.', 'gauge', 'historyMessages'],
      ['history_bytes', 'Bytes held in history.', 'gauge', 'historyBytes'],
    ];
    for (const [name, help, type, key] of series) {
      lines.push(`# HELP plotly_stream_${name} ${help}`, `# TYPE plotly_stream_${name} ${type}`);
      for (const [token, counters] of Object.entries(json.tokens))
        lines.push(`plotly_stream_${name}{token="${token}"} ${counters[key]}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
