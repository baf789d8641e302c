import { webcrypto } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { writePrivateFile } from '../keys/key-store.js';

/**
 * The loopback door's HTTPS identity: one self-signed certificate per device for
 * localhost and 127.0.0.1, made on the device, its private key never leaving the data
 * dir (0600). Browsers accept it once the OS trusts it (the installers run
 * `trustCommand` at install time); Safari refuses plain HTTP to loopback from an HTTPS
 * page, hence all this.
 */

/** Apple's limit for TLS server certificates trusted by the OS (macOS 10.15+). */
export const MAX_VALIDITY_DAYS = 825;
const DAY_MS = 86_400_000;
export const LOOPBACK_DNS_NAMES = ['localhost'] as const;
export const LOOPBACK_IPS = ['127.0.0.1'] as const;

export interface LoopbackCert {
  cert: string;
  key: string;
  certFile: string;
  notAfter: Date;
  /** true when this call made it (first run, expiring or broken): the OS must trust it again. */
  created: boolean;
}

export interface LoopbackCertOptions {
  validityDays?: number;
  /** Make a new one when fewer days than this remain. */
  renewBeforeDays?: number;
  now?: Date;
}

export const loopbackCertFiles = (dataDir: string) => ({
  certFile: path.join(dataDir, 'loopback', 'localhost.crt.pem'),
  keyFile: path.join(dataDir, 'loopback', 'localhost.key.pem'),
});

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** Reuses the stored certificate while it is valid for long enough; otherwise makes one. */
export async function loadOrCreateLoopbackCert(dataDir: string, options: LoopbackCertOptions = {}): Promise<LoopbackCert> {
  const now = options.now ?? new Date();
  const renewBefore = (options.renewBeforeDays ?? 30) * DAY_MS;
  const { certFile, keyFile } = loopbackCertFiles(dataDir);
  const existing = await readPair(certFile, keyFile);
  if (existing && usable(existing.parsed, now, renewBefore)) {
    return { cert: existing.cert, key: existing.key, certFile, notAfter: existing.parsed.notAfter, created: false };
  }
  const made = await createLoopbackCert(now, Math.min(options.validityDays ?? MAX_VALIDITY_DAYS, MAX_VALIDITY_DAYS));
  // Key first: a crash between the two writes leaves a key without a cert, which is remade.
  await writePrivateFile(keyFile, made.key);
  await writePrivateFile(certFile, made.cert);
  return { ...made, certFile, created: true };
}

async function readPair(certFile: string, keyFile: string): Promise<{ cert: string; key: string; parsed: x509.X509Certificate } | null> {
  try {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return { cert, key, parsed: new x509.X509Certificate(cert) };
  } catch {
    return null; // absent or unreadable: make a new pair
  }
}

function usable(cert: x509.X509Certificate, now: Date, renewBeforeMs: number): boolean {
  if (cert.notBefore.getTime() > now.getTime() + 5 * 60_000) return false;
  if (cert.notAfter.getTime() - now.getTime() < renewBeforeMs) return false;
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.toJSON() ?? [];
  return [...LOOPBACK_DNS_NAMES, ...LOOPBACK_IPS].every((want) => names.some((n) => n.value === want));
}

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

export interface CommandLine {
  command: string;
  args: string[];
}

/**
 * The command an administrator (the installer, at install time, as root/SYSTEM) runs to
 * make the OS and so every browser on it trust the door's certificate; null on Linux,
 * where the door serves plain HTTP to a loopback collector only in development.
 */
export function trustCommand(platform: NodeJS.Platform, certFile: string): CommandLine | null {
  if (platform === 'darwin') {
    return {
      command: '/usr/bin/security',
      args: ['add-trusted-cert', '-d', '-r', 'trustRoot', '-k', '/Library/Keychains/System.keychain', certFile],
    };
  }
  if (platform === 'win32') return { command: 'certutil.exe', args: ['-addstore', '-f', 'Root', certFile] };
  return null;
}

/** Undoes `trustCommand` (uninstall, or before trusting a renewed certificate). */
export function untrustCommand(platform: NodeJS.Platform, certFile: string): CommandLine | null {
  if (platform === 'darwin') return { command: '/usr/bin/security', args: ['remove-trusted-cert', '-d', certFile] };
  if (platform === 'win32') return { command: 'certutil.exe', args: ['-delstore', 'Root', 'DevTrust agent loopback (localhost)'] };
  return null;
}

/**
 * The Agent's `loopbackTls` dependency: the stored certificate, with a hint when it is
 * new. A certificate that cannot be made is logged, not fatal: the door then serves
 * plain HTTP and the prompt page still has the devtrust:// link. Where the OS has no
 * store to trust it in (Linux: each browser keeps its own), HTTP it is, which Chrome and
 * Firefox accept from an HTTPS page for 127.0.0.1 and an untrusted certificate is not.
 */
export function loopbackTlsProvider(
  dataDir: string,
  log: { warn(details: object, message: string): void },
  platform: NodeJS.Platform = process.platform,
): () => Promise<LoopbackCert | null> {
  return async () => {
    if (!trustCommand(platform, '')) return null;
    try {
      const cert = await loadOrCreateLoopbackCert(dataDir);
      const trust = trustCommand(platform, cert.certFile);
      if (cert.created && trust) {
        log.warn(
          { certFile: cert.certFile, trust: `${trust.command} ${trust.args.join(' ')}` },
          'new loopback certificate: browsers accept it once an administrator trusts it',
        );
      }
      return cert;
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'cannot make the loopback certificate');
      return null;
    }
  };
}
