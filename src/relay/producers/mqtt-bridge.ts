/**
 * MQTT devices as producers: the relay subscribes to a topic filter on a broker and publishes each
 * MQTT message's payload (one JSON object, or NDJSON lines) to the token named by the topic's last
 * level (`plotly/<token>`), under the same message rules as an ingest. Bad lines are counted and
 * logged once per token and cause; write keys do not apply (the broker's own auth does). The
 * `mqtt` client reconnects to the broker on its own.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { IngestErrorCode } from '../../shared/ingest.js';
import { isValidToken, parseLine, preview, TOKEN_RULE } from '../../shared/messages.js';

export interface MqttBridgeOptions {
  /** The broker: `mqtt://host:1883`, `mqtts://`, `ws://` (credentials in the URL: `mqtt://user:pass@host`). */
  url: string;
  /** The topic filter to subscribe to; the last level of a message's topic is its token. Default `plotly/+`. */
  topic?: string;
  /** Longest line taken (the relay's `maxLineBytes`). */
  maxLineBytes: number;
}

export interface MqttBridgeHooks {
  /** Stores a message (a promise when the engine stores asynchronously; it rejects when not stored). */
  publish(token: string, text: string): void | Promise<void>;
  onStored(token: string): void;
  onRejected(token: string, code: IngestErrorCode): void;
  log(kind: 'rejected' | 'lifecycle', line: string): void;
}

/** Causes already logged, per token (bounded: a flood of topics cannot grow it without limit). */
const MAX_LOGGED_CAUSES = 10_000;

export class MqttBridge {
  readonly #client: MqttClient;
  readonly #hooks: MqttBridgeHooks;
  readonly #maxLineBytes: number;
  readonly #logged = new Set<string>();

  constructor(options: MqttBridgeOptions, hooks: MqttBridgeHooks) {
    this.#hooks = hooks;
    this.#maxLineBytes = options.maxLineBytes;
    const topic = options.topic ?? 'plotly/+';
    const where = redact(options.url);
    this.#client = mqtt.connect(options.url, { reconnectPeriod: 1000, connectTimeout: 10_000 });
    this.#client.on('connect', () => {
      hooks.log('lifecycle', `mqtt: connected to ${where}, subscribing to ${topic}`);
      this.#client.subscribe(topic, { qos: 1 }, (error) => {
        if (error) hooks.log('lifecycle', `mqtt: could not subscribe to ${topic}: ${error.message}`);
      });
    });
    this.#client.on('error', (error) => hooks.log('lifecycle', `mqtt: ${where}: ${error.message}`));
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
        this.#reject(token, 'line-too-long', `a line longer than ${this.#maxLineBytes} bytes`);
        continue;
      }
      const parsed = parseLine(line);
      if (parsed.kind === 'heartbeat') continue;
      if (parsed.kind === 'rejected') {
        this.#reject(token, parsed.error.code, parsed.error.message);
        continue;
      }
      const text = line.trim();
      let stored: void | Promise<void>;
      try {
        stored = this.#hooks.publish(token, text);
      } catch (error) {
        this.#reject(token, 'not-stored', (error as Error).message);
        continue;
      }
      if (stored instanceof Promise)
        stored.then(
          () => this.#hooks.onStored(token),
          (error: Error) => this.#reject(token, 'not-stored', error.message),
        );
      else this.#hooks.onStored(token);
    }
  }

  #reject(token: string, code: IngestErrorCode, message: string): void {
    this.#hooks.onRejected(token, code);
    this.#once(
      `${token}\n${code}`,
      `mqtt ${token}: a line ${code === 'not-stored' ? 'not stored' : `rejected (${code})`}: ${message} (logged once per token and cause)`,
    );
  }

  #once(key: string, line: string): void {
    if (this.#logged.has(key)) return;
    if (this.#logged.size >= MAX_LOGGED_CAUSES) this.#logged.clear();
    this.#logged.add(key);
    this.#hooks.log('rejected', line);
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
