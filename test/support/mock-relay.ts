/**
 * A relay in the test page, on msw: `ws.link` for WebSocket, `sse()` for Server-Sent Events. It keeps
 * per-token history with epoch and offsets and follows docs/protocol.md (reset + history for new
 * subscribers, exact replay for resuming ones), so the element's resume logic meets a real peer.
 */
import { sse, ws } from 'msw';
import { setupWorker, type SetupWorker } from 'msw/browser';

export const RELAY = 'http://relay.test';
/** A relay address that serves SSE only: WebSocket connections to it are refused (nothing listens on port 9). */
export const SSE_ONLY_RELAY = 'http://127.0.0.1:9';

interface Entry {
  offset: number;
  message: Record<string, unknown>;
}

interface Subscriber {
  kind: 'websocket' | 'sse';
  url: URL;
  tokens: string[];
  send(text: string): void;
  close(): void;
}

export class MockRelay {
  epoch = 'e1';
  historyLimit = 1000;
  /** Every subscribe URL, in order: tests read `resume=` from them. */
  readonly urls: URL[] = [];
  readonly subscribers = new Set<Subscriber>();
  /** When false, new WebSocket connections are closed by the relay at once, with `refuseCode`. */
  acceptWebSocket = true;
  refuseCode = 1011;
  #history = new Map<string, Entry[]>();
  #next = new Map<string, number>();
  #listeners = new Set<() => void>();

  readonly handlers = [
    ws.link(`${RELAY.replace('http', 'ws')}/subscribe`).addEventListener('connection', ({ client }) => {
      if (!this.acceptWebSocket) {
        client.close(this.refuseCode, 'refused by the test');
        return;
      }
      const subscriber: Subscriber = {
        kind: 'websocket',
        url: new URL(client.url),
        tokens: new URL(client.url).searchParams.getAll('token'),
        send: (text) => client.send(text),
        close: () => client.close(1001, 'relay going away'),
      };
      client.addEventListener('close', () => this.#remove(subscriber));
      this.#add(subscriber);
    }),
    ...[RELAY, SSE_ONLY_RELAY].map((base) =>
      sse(`${base}/subscribe`, ({ client, request }) => {
        const url = new URL(request.url);
        const subscriber: Subscriber = {
          kind: 'sse',
          url,
          tokens: url.searchParams.getAll('token'),
          send: (text) => {
            try {
              client.send({ data: text });
            } catch {
              this.#remove(subscriber); // the EventSource went away
            }
          },
          close: () => {
            this.#remove(subscriber);
            client.close();
          },
        };
        request.signal.addEventListener('abort', () => this.#remove(subscriber));
        // Let the EventSource open before the history arrives, as a real relay's headers would.
        queueMicrotask(() => this.#add(subscriber));
      }),
    ),
  ];

  /** Appends a message to a token's history and sends it to live subscribers. */
  publish(token: string, message: Record<string, unknown>): void {
    const offset = (this.#next.get(token) ?? 0) + 1;
    this.#next.set(token, offset);
    const history = this.#history.get(token) ?? [];
    history.push({ offset, message });
    if (history.length > this.historyLimit) history.shift();
    this.#history.set(token, history);
    const text = JSON.stringify({ type: 'data', token, epoch: this.epoch, offset, message });
    for (const subscriber of this.subscribers) if (subscriber.tokens.includes(token)) subscriber.send(text);
  }

  /** Forgets all history under a new epoch, as a restarted relay would. */
  restart(epoch: string): void {
    this.epoch = epoch;
    this.#history.clear();
    this.#next.clear();
  }

  /** Drops the oldest entries of a token's history. */
  forget(token: string, keep: number): void {
    const history = this.#history.get(token) ?? [];
    this.#history.set(token, history.slice(history.length - keep));
  }

  heartbeat(): void {
    for (const subscriber of this.subscribers) subscriber.send('{"type":"heartbeat"}');
  }

  /** Sends raw text to every subscriber (bad frames, batches). */
  sendRaw(text: string): void {
    for (const subscriber of this.subscribers) subscriber.send(text);
  }

  /** Closes every subscriber from the relay's side. */
  closeAll(): void {
    for (const subscriber of [...this.subscribers]) subscriber.close();
  }

  /** Resolves when the number of subscribers satisfies `test`. */
  waitFor(test: (relay: MockRelay) => boolean): Promise<void> {
    if (test(this)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!test(this)) return;
        this.#listeners.delete(check);
        resolve();
      };
      this.#listeners.add(check);
    });
  }

  #add(subscriber: Subscriber): void {
    this.urls.push(subscriber.url);
    const resume = new Map<string, { epoch: string; offset: number }>();
    for (const item of subscriber.url.searchParams.getAll('resume')) {
      const [token, epoch, offset] = item.split(':');
      resume.set(token as string, { epoch: epoch as string, offset: Number(offset) });
    }
    const events: unknown[] = [];
    for (const token of subscriber.tokens) {
      const history = this.#history.get(token) ?? [];
      const position = resume.get(token);
      const first = history[0]?.offset ?? (this.#next.get(token) ?? 0) + 1;
      const canResume = position !== undefined && position.epoch === this.epoch && position.offset + 1 >= first;
      const from = canResume ? position.offset : first - 1;
      if (!canResume) events.push({ type: 'reset', token, epoch: this.epoch, offset: from });
      for (const entry of history) {
        if (entry.offset > from)
          events.push({ type: 'data', token, epoch: this.epoch, offset: entry.offset, message: entry.message });
      }
    }
    events.push({ type: 'ready' });
    subscriber.send(JSON.stringify(events));
    this.subscribers.add(subscriber);
    this.#notify();
  }

  #remove(subscriber: Subscriber): void {
    if (this.subscribers.delete(subscriber)) this.#notify();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

let worker: SetupWorker | null = null;

/** Starts msw once per test file with the relay's handlers (the previous relay's are replaced). */
export async function startMockRelay(): Promise<MockRelay> {
  const relay = new MockRelay();
  if (worker === null) {
    worker = setupWorker(...relay.handlers);
    await worker.start({ quiet: true, onUnhandledRequest: 'bypass' });
  } else {
    worker.resetHandlers(...relay.handlers);
  }
  return relay;
}
