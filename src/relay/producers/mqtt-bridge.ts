/**
 * MQTT devices as producers: the relay subscribes to a topic filter on a broker and publishes each
 * MQTT message's payload (one JSON object, or NDJSON lines) to the token named by the topic's last
 * level (`plotly/<token>`), through the same path to the engine as an ingest (`LineWriter`: the
 * message rules, the rate limit, the counters). Bad lines are counted and logged once per token and
 * cause; write keys do not apply (the broker's own auth does). A line past the token's rate limit is
 * dropped and said (a device's subscription cannot be answered 429). The `mqtt` client reconnects to
 * the broker on its own.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { IngestErrorCode } from '../../shared/ingest.js';
import { isValidToken, preview, TOKEN_RULE } from '../../shared/messages.js';
import type { RelayLog } from '../log.js';
import type { LineWriter } from './line-writer.js';

export interface MqttBridgeOptions {
  /** The broker: `mqtt://host:1883`, `mqtts://`, `ws://` (credentials in the URL: `mqtt://user:pass@host`). */
  url: string;
  /** The topic filter to subscribe to; the last level of a message's topic is its token. Default `plotly/+`. */
  topic?: string;
  /** Longest line taken (the relay's `maxLineBytes`). */
  maxLineBytes: number;
}

/** Causes already logged, per token (bounded: a flood of topics cannot grow it without limit). */
const MAX_LOGGED_CAUSES = 10_000;

export class MqttBridge {
  readonly #client: MqttClient;
  /** The relay's one path from a line to the engine. */
  readonly #lines: LineWriter;
  readonly #log: RelayLog;
  readonly #maxLineBytes: number;
  readonly #logged = new Set<string>();

  constructor(options: MqttBridgeOptions, lines: LineWriter, log: RelayLog) {
    this.#lines = lines;
    this.#log = log;
    this.#maxLineBytes = options.maxLineBytes;
    const topic = options.topic ?? 'plotly/+';
    const where = redact(options.url);
    this.#client = mqtt.connect(options.url, { reconnectPeriod: 1000, connectTimeout: 10_000 });
    this.#client.on('connect', () => {
      log.line('lifecycle', `mqtt: connected to ${where}, subscribing to ${topic}`);
      this.#client.subscribe(topic, { qos: 1 }, (error) => {
        if (error) log.line('lifecycle', `mqtt: could not subscribe to ${topic}: ${error.message}`);
      });
    });
    this.#client.on('error', (error) => log.line('lifecycle', `mqtt: ${where}: ${error.message}`));
    this.#client.on('message', (topicName, payload) => this.#message(topicName, payload));
  }

  /** Resolves once the bridge is subscribed (for tests and for a caller that waits). */
  ready(): Promise<void> {
    if (this.#client.connected) return Promise.resolve();
    return new Promise((resolve) => this.#client.once('connect', () => setImmediate(resolve)));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#client.end(false, {}, () => resolve()));
  }

  #message(topic: string, payload: Buffer): void {
    const token = topic.slice(topic.lastIndexOf('/') + 1);
    if (!isValidToken(token)) {
      this.#once(
        `\n${topic.slice(0, 200)}`,
        `mqtt: topic ${JSON.stringify(preview(topic))}: its last level must be a token (${TOKEN_RULE}); ignored`,
      );
      return;
    }
    for (const line of payload.toString('utf8').split('\n')) {
      if (Buffer.byteLength(line) > this.#maxLineBytes) {
        this.#lines.rejected(token, 'line-too-long');
        this.#said(token, 'line-too-long', `a line longer than ${this.#maxLineBytes} bytes`);
        continue;
      }
      const outcome = this.#lines.write(token, line);
      if (outcome.kind === 'rejected') this.#said(token, outcome.error.code, outcome.error.message);
      else if (outcome.kind === 'rate-limited')
        this.#said(token, 'rate-limited', 'more messages a second than the relay allows a token: dropped');
      else if (outcome.kind === 'accepted' && outcome.stored !== undefined)
        outcome.stored.catch((error: Error) => this.#said(token, 'not-stored', error.message));
    }
  }

  /** Logs what became of a line, once per token and cause (counted already, by the writer). */
  #said(token: string, code: IngestErrorCode | 'rate-limited', message: string): void {
    this.#once(
      `${token}\n${code}`,
      `mqtt ${token}: a line ${code === 'not-stored' ? 'not stored' : code === 'rate-limited' ? 'rate-limited' : `rejected (${code})`}: ${message} (logged once per token and cause)`,
    );
  }

  #once(key: string, line: string): void {
    if (this.#logged.has(key)) return;
    if (this.#logged.size >= MAX_LOGGED_CAUSES) this.#logged.clear();
    this.#logged.add(key);
    this.#log.line('rejected', line);
  }
}

/** The broker's URL without its password, for the log. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the broker';
  }
}
