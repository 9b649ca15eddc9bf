// The serving certificate: given files, or a fresh self-signed one made with the openssl CLI at start
// (Node has no API to create certificates). The key never outlives the process: the temp dir is removed at once.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServingCert {
  cert: string;
  key: string;
}

export function loadCert(certFile: string, keyFile: string): ServingCert {
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** A self-signed P-256 certificate for localhost, 127.0.0.1, ::1 and any extra names or addresses. */
export function generateCert(extraNames: string[] = []): ServingCert {
  const dir = mkdtempSync(join(tmpdir(), 'braid-apiserver-tls-'));
  try {
    const san = [
      'DNS:localhost',
      'IP:127.0.0.1',
      'IP:::1',
      ...extraNames.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)),
    ];
    const keyFile = join(dir, 'tls.key');
    const certFile = join(dir, 'tls.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '30',
        '-subj',
        '/CN=braid-apiserver-standin',
        '-addext',
        `subjectAltName=${san.join(',')}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,digitalSignature,keyCertSign',
        '-addext',
        'extendedKeyUsage=serverAuth',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return loadCert(certFile, keyFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
