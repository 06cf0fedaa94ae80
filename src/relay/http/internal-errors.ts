/**
 * An error thrown while serving a request (a bug of the relay's, or of an engine passed in): it is
 * counted, logged (within the log's budget) and answered 500 on that request, or its connection is
 * closed; the relay serves on. Nothing a client sends may end the process.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RelayLog } from '../log.js';
import type { Metrics } from '../metrics.js';
import { answerInternalError, describeError } from './http.js';

export class InternalErrors {
  readonly #metrics: Metrics;
  readonly #log: RelayLog;

  constructor(metrics: Metrics, log: RelayLog) {
    this.#metrics = metrics;
    this.#log = log;
  }

  /** Counts and logs an error of `where`; answers 500 on `answer` (a response, or an upgrade's socket) when given. */
  report = (where: string, error: unknown, answer: ServerResponse | Socket | null = null): void => {
    this.#metrics.internalErrors++;
    this.#log.line('internal', `${where} failed: ${describeError(error)}`);
    if (answer !== null) answerInternalError(answer);
  };

  /** A request handler whose throw is reported, and answered on the request it was serving. */
  guarded<R, A extends ServerResponse | Socket, Rest extends unknown[]>(
    where: string,
    handler: (req: R, answer: A, ...rest: Rest) => void,
  ): (req: R, answer: A, ...rest: Rest) => void {
    return (req, answer, ...rest) => {
      try {
        handler(req, answer, ...rest);
      } catch (error) {
        this.report(where, error, answer);
      }
    };
  }
}
