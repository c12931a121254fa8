// Certificates for `startSimulator({ tls: true })`, made fresh at every start by the `selfsigned`
// package (WebCrypto via @peculiar/x509; no crypto of our own): a CA, and a server certificate
// it signs for localhost, 127.0.0.1, ::1 and the listening host. Clients trust the CA PEM
// (a `ca` TLS option, or NODE_EXTRA_CA_CERTS for a process); the CA key never leaves memory.
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

/** PEM strings for an HTTPS server and its clients. */
export interface SimulatorCertificates {
  /** The CA certificate clients must trust. */
  ca: string;
  /** The server certificate, signed by the CA. */
  cert: string;
  /** The server's private key. */
  key: string;
}

const DAY_MS = 24 * 3600 * 1000;

/** Subject alternative names of the server certificate: loopback names plus `host`. */
function altNames(host: string): Array<{ type: 2; value: string } | { type: 7; ip: string }> {
  const names: Array<{ type: 2; value: string } | { type: 7; ip: string }> = [
    { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' },
  ];
  // A wildcard listen address is not a name a client connects to.
  if (['localhost', '127.0.0.1', '::1', '0.0.0.0', '::', ''].includes(host)) return names;
  names.push(isIP(host) ? { type: 7, ip: host } : { type: 2, value: host });
  return names;
}

/** Generates a CA and a server certificate for `host`, valid from a day ago for 30 days. */
export async function generateCertificates(host: string): Promise<SimulatorCertificates> {
  // Start a day early so a client clock a little behind still accepts the certificates.
  const notBeforeDate = new Date(Date.now() - DAY_MS);
  const notAfterDate = new Date(Date.now() + 30 * DAY_MS);
  const common = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notBeforeDate, notAfterDate } as const;
  const ca = await generate([{ name: 'commonName', value: 'open-realtime simulator local CA' }], {
    ...common,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...common,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: altNames(host) },
    ],
  });
  return { ca: ca.cert, cert: server.cert, key: server.private };
}
