/**
 * Requests Node's parser refused (its `clientError`): chart_studio's extra CRLF after an ingest's
 * last chunk is a clean end (the points kept, 200 with the summary); anything else is a 400 (431 for
 * headers too large), with the ingest's summary when one was reading the socket.
 */
import type { Socket } from 'node:net';
import type { RelayLog } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Producers } from '../producers/producers.js';
import { isChartStudioTail, type HttpParseError } from './chart-studio-tail.js';
import { rawResponse } from './http.js';

export function malformedRequests(
  producers: Producers,
  metrics: Metrics,
  log: RelayLog,
): (error: HttpParseError, socket: Socket) => void {
  return (error, socket) => {
    const producer = producers.onSocket(socket);
    if (producer && !producer.done && isChartStudioTail(error)) {
      producer.finishFromTail();
      return;
    }
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    metrics.refuse('malformed-http');
    log.line('malformed', `malformed HTTP from ${socket.remoteAddress}: ${error.code ?? error.message}`);
    if (producer) {
      producer.abandon();
      const summary = { ...producer.summary, closed: `malformed HTTP (${error.code})` };
      socket.end(rawResponse(status, `${JSON.stringify(summary)}\n`, 'application/json'));
    } else {
      socket.end(rawResponse(status, `malformed HTTP request (${error.code ?? error.message})\n`));
    }
  };
}
