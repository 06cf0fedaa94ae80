/** `plotly-stream-relay sign-read-token`: prints a read token (for scripts, and for trying private streams by hand). */
import { signReadToken } from './access/read-access.js';
import { fail, readFile, readFlags } from './cli-flags.js';

export async function signCommand(argv: string[]): Promise<void> {
  const v = readFlags(argv, ['streams', 'expires', 'read-secret', 'private-key']);
  const streams = (v.streams ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (streams.length === 0) fail('sign-read-token needs --streams a,b,prefix* (what the viewer may read)');
  if (v.expires === undefined) fail('sign-read-token needs --expires (3600, 30m, 1h, 7d): read tokens always expire');
  const expiresIn = /^\d+$/.test(v.expires) ? Number(v.expires) : v.expires;
  if (
    typeof expiresIn === 'string' &&
    !/^\d+(\.\d+)?\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w|week|weeks)$/i.test(expiresIn)
  )
    fail(`--expires must be seconds or a span like 30m, 1h, 7d, got "${expiresIn}"`);
  const key =
    v['private-key'] !== undefined
      ? readFile(v['private-key'], '--private-key')
      : (v['read-secret'] ?? process.env['PLOTLY_STREAM_READ_SECRET']);
  if (key === undefined || key === '')
    fail('sign-read-token needs the secret: --read-secret, PLOTLY_STREAM_READ_SECRET or --private-key FILE');
  try {
    process.stdout.write(`${await signReadToken({ streams, expiresIn }, key)}\n`);
  } catch (error) {
    fail((error as Error).message, { usage: false });
  }
}
