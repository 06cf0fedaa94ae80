/**
 * Reads a Server-Sent Events stream as its text arrives, in any pieces: for each event, its data
 * (several `data:` lines joined with newlines, as EventSource does), its `id:`, and comment lines.
 * For the relay's tests, soak and benchmarks, which read SSE without a browser.
 */
export interface SseHandlers {
  data(data: string): void;
  id?(id: string): void;
  comment?(line: string): void;
}

/** Returns what to feed each piece of text to. */
export function sseReader(handlers: SseHandlers): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) handlers.comment?.(line);
        else if (line.startsWith('id: ')) handlers.id?.(line.slice(4));
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) handlers.data(data.join('\n'));
    }
  };
}
