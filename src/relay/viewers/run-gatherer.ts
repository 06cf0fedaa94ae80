/**
 * Consecutive messages of one token gathered into one `run` event (for a viewer that asked with
 * `runs=1`): a message extends the open run when it is the next of the same token and epoch.
 */
import { encodeColumnRuns, encodeRun } from '../../shared/protocol.js';
import type { StoredMessage } from '../engines/engine.js';

interface OpenRun {
  token: string;
  epoch: string;
  offset: number;
  times: number[];
  texts: string[];
}

export class RunGatherer {
  #run: OpenRun | null = null;

  /** Adds the message to the open run when it is that run's next one; false when it is not (nothing changed). */
  extend(token: string, epoch: string, message: StoredMessage): boolean {
    const run = this.#run;
    if (run === null || run.token !== token || run.epoch !== epoch || run.offset + run.texts.length !== message.offset)
      return false;
    run.times.push(message.time);
    run.texts.push(message.text);
    return true;
  }

  /** Opens a run with its first message (take the open one first). */
  begin(token: string, epoch: string, message: StoredMessage): void {
    this.#run = { token, epoch, offset: message.offset, times: [message.time], texts: [message.text] };
  }

  /** Encodes the open run into `events` (as column runs with `columns`) and closes it. */
  takeInto(events: string[], columns: boolean): void {
    const run = this.#run;
    if (run === null) return;
    this.#run = null;
    if (columns) events.push(...encodeColumnRuns(run.token, run.epoch, run.offset, run.times, run.texts));
    else events.push(encodeRun(run.token, run.epoch, run.offset, run.times, run.texts));
  }

  /** Forgets the open run (the viewer is gone). */
  drop(): void {
    this.#run = null;
  }
}
