import { generate } from 'selfsigned';

/** A key and certificate pair in PEM, as a TLS listener takes them. */
export interface TlsCertificate {
  readonly keyPem: string;
  readonly certPem: string;
}

/**
 * A fresh self-signed certificate for `localhost`, 127.0.0.1 and ::1. Clients trust it by passing the PEM
 * as their CA (`ca: certPem`) and keep verification on, so the TLS path is tested as production runs it.
 * EC P-256 because generating it takes milliseconds, where RSA 2048 can take a second on a small machine.
 */
export async function generateLocalhostCertificate(): Promise<TlsCertificate> {
  // Backdated a minute so a client whose clock is slightly behind does not see "not yet valid".
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 7 * 24 * 3600_000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { keyPem: pems.private, certPem: pems.cert };
}
