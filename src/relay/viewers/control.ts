/**
 * Control messages a WebSocket viewer sends up its socket to change what it is subscribed to
 * (`subscribe`, `unsubscribe`; shared/protocol.ts), so a page's charts share one connection. Each is
 * bounded: its size, how many a minute, the token cap of a subscription, and (private streams) what
 * the read token covers. A message that breaks a bound is refused with a `bad-control` (or
 * `forbidden`, `too-many-tokens`, `bad-token`) error event; the subscription goes on as it was.
 */
import { CloseCode, encodeError, parseControlMessage } from '../../shared/protocol.js';
import { MAX_CONTROL_BYTES, MAX_VIEWER_MESSAGES_PER_MINUTE } from '../constants.js';
import { streamsCover, type ReadGrant } from '../access/read-access.js';
import type { Subscription } from './subscription.js';
import { badTokensEvent, tooManyTokensEvent } from './viewer-errors.js';

export interface ControlOptions {
  /** Tokens one subscription may hold. */
  maxTokens: number;
  /** With private streams, what the connection's read token covers. */
  grant: ReadGrant | null;
  /** Tokens were added to or dropped from the subscription (for metrics). */
  onAdded(tokens: readonly string[]): void;
  onRemoved(tokens: readonly string[]): void;
  /** Closes the connection (a viewer far past the message rate, or a subscribe the engine failed). */
  close(code: number, reason: string): void;
}

export class ControlChannel {
  readonly #subscription: Subscription;
  readonly #options: ControlOptions;
  #inWindow = 0;
  #windowStart = Date.now();
  #warned = false;

  constructor(subscription: Subscription, options: ControlOptions) {
    this.#subscription = subscription;
    this.#options = options;
  }

  /** One message from the viewer: its text (or null when it was binary) and its size in bytes. */
  receive(text: string | null, bytes: number): void {
    const now = Date.now();
    if (now - this.#windowStart >= 60_000) {
      this.#windowStart = now;
      this.#inWindow = 0;
      this.#warned = false;
    }
    this.#inWindow++;
    // Far past the rate: not a page's charts coming and going but a flood.
    if (this.#inWindow > 10 * MAX_VIEWER_MESSAGES_PER_MINUTE) {
      this.#options.close(CloseCode.policyViolation, 'too many control messages');
      return;
    }
    if (this.#inWindow > MAX_VIEWER_MESSAGES_PER_MINUTE) {
      if (!this.#warned)
        this.#refuse(
          `more than ${MAX_VIEWER_MESSAGES_PER_MINUTE} control messages a minute: ignored until the minute is over`,
        );
      this.#warned = true;
      return;
    }
    if (bytes > MAX_CONTROL_BYTES) return this.#refuse(`a control message is at most ${MAX_CONTROL_BYTES} bytes`);
    if (text === null) return this.#refuse('control messages are JSON text, not binary');
    const message = parseControlMessage(text);
    if ('error' in message) return this.#refuse(message.error);
    if (message.invalid.length > 0) this.#send(badTokensEvent(message.invalid, 'ignored'));
    if (message.type === 'unsubscribe') {
      const held = message.tokens.filter((token) => this.#subscription.has(token));
      this.#subscription.remove(held);
      this.#options.onRemoved(held);
      return;
    }
    let added = message.tokens.filter((token) => !this.#subscription.has(token));
    const grant = this.#options.grant;
    if (grant !== null) {
      const uncovered = added.filter((t) => !streamsCover(grant.streams, t));
      if (uncovered.length === 1)
        this.#send(
          encodeError('forbidden', `the read token does not cover "${uncovered[0]}"; not subscribed`, uncovered[0]),
        );
      else if (uncovered.length > 1)
        this.#send(
          encodeError(
            'forbidden',
            `the read token does not cover ${uncovered.length} of the tokens asked for (${uncovered.slice(0, 3).join(', ')}${uncovered.length > 3 ? ', …' : ''}); not subscribed`,
          ),
        );
      added = added.filter((t) => streamsCover(grant.streams, t));
    }
    const room = Math.max(0, this.#options.maxTokens - this.#subscription.tokens.length);
    const tooMany = added.slice(room);
    added = added.slice(0, room);
    if (tooMany.length > 0) this.#send(tooManyTokensEvent(tooMany, this.#options.maxTokens));
    if (added.length === 0) return;
    this.#options.onAdded(added);
    this.#subscription.add(added, message.resume).catch(() => {
      this.#options.onRemoved(added);
      // The engine failed (Redis away): the viewer reconnects and resumes every token.
      this.#options.close(CloseCode.internalError, 'the relay could not read history');
    });
  }

  #refuse(why: string): void {
    this.#send(encodeError('bad-control', why));
  }

  #send(event: string): void {
    this.#subscription.sendNow(event);
  }
}
