/**
 * The kernel's own view of TCP connections (Linux /proc/net/tcp and tcp6): whether the relay still
 * holds a connection, and how much it has queued to send on it, whatever its process has let go of.
 */
import { readFileSync } from 'node:fs';

/** TCP states as /proc/net/tcp numbers them. */
const STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

export interface KernelSocket {
  localPort: number;
  remotePort: number;
  state: string;
  /** Bytes queued to send and not acknowledged. */
  sendQueue: number;
}

/** Every TCP socket whose local port is `port` (a server's side of its connections), LISTEN left out. */
export function kernelSockets(port: number): KernelSocket[] {
  const found: KernelSocket[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 5) continue;
      const localPort = parseInt((fields[1] as string).split(':')[1] as string, 16);
      if (localPort !== port) continue;
      const state = STATES[fields[3] as string] ?? (fields[3] as string);
      if (state === 'LISTEN') continue;
      found.push({
        localPort,
        remotePort: parseInt((fields[2] as string).split(':')[1] as string, 16),
        state,
        sendQueue: parseInt((fields[4] as string).split(':')[0] as string, 16),
      });
    }
  }
  return found;
}
