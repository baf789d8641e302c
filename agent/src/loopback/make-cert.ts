import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { DAY_MS, LOOPBACK_DNS_NAMES, LOOPBACK_IPS } from './tls.js';

/**
 * Makes the loopback door's self-signed certificate (see tls.ts). Its own module because
 * @peculiar/x509 is large: tls.ts imports it only when a certificate has to be made.
 */

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export async function createLoopbackCert(now: Date, validityDays: number): Promise<{ cert: string; key: string; notAfter: Date }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  // Backdated a little for clocks that lag; the whole span still stays under Apple's limit.
  const notBefore = new Date(now.getTime() - 60 * 60_000);
  const notAfter = new Date(notBefore.getTime() + validityDays * DAY_MS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .replace(/^[89a-f]/, '7'),
    name: 'CN=DevTrust agent loopback (localhost), O=DevTrust',
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...LOOPBACK_DNS_NAMES.map((value) => ({ type: 'dns' as const, value })),
        ...LOOPBACK_IPS.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
  return { cert: `${certificate.toString('pem')}\n`, key, notAfter };
}
