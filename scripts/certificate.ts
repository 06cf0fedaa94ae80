/**
 * A throwaway self-signed certificate for localhost, made with openssl (Debian's; .ci/run installs
 * it), for tests and the browser tests' TLS relay. Optionally written to a folder as PEM files too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certificate {
  cert: Buffer;
  key: Buffer;
}

/** Makes the certificate in `dir` (cert.pem, key.pem), or in a scratch folder removed afterwards. */
export function selfSignedCertificate(dir?: string): Certificate {
  const where = dir ?? mkdtempSync(join(tmpdir(), 'cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=localhost',
      ].concat(['-days', '1', '-keyout', join(where, 'key.pem'), '-out', join(where, 'cert.pem')]),
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(where, 'cert.pem')), key: readFileSync(join(where, 'key.pem')) };
  } finally {
    if (dir === undefined) rmSync(where, { recursive: true, force: true });
  }
}
