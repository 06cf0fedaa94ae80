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
  /**
   * The socket's inode: one connection's own, where a port is not (a port freed by a reset may be
   * given to the next connection at once). 0 where no process holds the socket (TIME_WAIT).
   */
  inode: number;
}

/** Every TCP socket the kernel lists (IPv4 and IPv6); none where there is no /proc (not Linux). */
export function tcpTable(): KernelSocket[] {
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
      if (fields.length < 10) continue;
      found.push({
        localPort: parseInt((fields[1] as string).split(':')[1] as string, 16),
        remotePort: parseInt((fields[2] as string).split(':')[1] as string, 16),
        state: STATES[fields[3] as string] ?? (fields[3] as string),
        sendQueue: parseInt((fields[4] as string).split(':')[0] as string, 16),
        inode: Number(fields[9]),
      });
    }
  }
  return found;
}

/** Every TCP socket whose local port is `port` (a server's side of its connections), LISTEN left out. */
export function kernelSockets(port: number): KernelSocket[] {
  return tcpTable().filter((s) => s.localPort === port && s.state !== 'LISTEN');
}
