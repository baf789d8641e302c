import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
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
export const DAY_MS = 86_400_000;
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

/** Reuses the stored certificate while it is valid for long enough; otherwise makes one. */
export async function loadOrCreateLoopbackCert(dataDir: string, options: LoopbackCertOptions = {}): Promise<LoopbackCert> {
  const now = options.now ?? new Date();
  const renewBefore = (options.renewBeforeDays ?? 30) * DAY_MS;
  const { certFile, keyFile } = loopbackCertFiles(dataDir);
  const existing = await readPair(certFile, keyFile);
  if (existing && usable(existing, now, renewBefore)) {
    return { cert: existing.cert, key: existing.key, certFile, notAfter: existing.notAfter, created: false };
  }
  // Making one needs @peculiar/x509 (about 200 modules, 4 MB resident): loaded only then, so an
  // agent that reuses its certificate, or runs on Linux where none is made, never holds it.
  const { createLoopbackCert } = await import('./make-cert.js');
  const made = await createLoopbackCert(now, Math.min(options.validityDays ?? MAX_VALIDITY_DAYS, MAX_VALIDITY_DAYS));
  // Key first: a crash between the two writes leaves a key without a cert, which is remade.
  await writePrivateFile(keyFile, made.key);
  await writePrivateFile(certFile, made.cert);
  return { ...made, certFile, created: true };
}

interface StoredCert {
  cert: string;
  key: string;
  parsed: X509Certificate;
  notBefore: Date;
  notAfter: Date;
}

async function readPair(certFile: string, keyFile: string): Promise<StoredCert | null> {
  try {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    const parsed = new X509Certificate(cert);
    const notBefore = new Date(parsed.validFrom);
    const notAfter = new Date(parsed.validTo);
    if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) return null;
    // A crash between the two writes leaves a new key beside the old certificate: the door could not serve that pair.
    if (!parsed.checkPrivateKey(createPrivateKey(key))) return null;
    return { cert, key, parsed, notBefore, notAfter };
  } catch {
    return null; // absent or unreadable: make a new pair
  }
}

/** DER of the basicConstraints extension's OID (2.5.29.19): node:crypto tells CA:FALSE and no extension apart only by it. */
const BASIC_CONSTRAINTS_OID = Buffer.from('0603551d13', 'hex');
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
/** The names, exactly, in the certificate this agent makes: any other name would be trusted for it too. */
const LOOPBACK_ALT_NAMES = [...LOOPBACK_DNS_NAMES.map((name) => `DNS:${name}`), ...LOOPBACK_IPS.map((ip) => `IP Address:${ip}`)].join(', ');

function usable(stored: StoredCert, now: Date, renewBeforeMs: number): boolean {
  if (stored.notBefore.getTime() > now.getTime() + 5 * 60_000) return false;
  if (stored.notAfter.getTime() - now.getTime() < renewBeforeMs) return false;
  return isLoopbackLeaf(stored);
}

/**
 * Whether the stored certificate is the leaf this agent makes. An administrator's script trusts
 * this file as a root, machine-wide (System keychain, Windows Root store), and the data dir is
 * the user's: a CA (or a certificate without basic constraints, which some validators take for
 * one), or one naming any other host, planted there would be trusted for far more than the
 * door. Names come from the subject alternative names only, as browsers check them.
 */
function isLoopbackLeaf({ parsed, notBefore, notAfter }: StoredCert): boolean {
  if (parsed.ca || !parsed.raw.includes(BASIC_CONSTRAINTS_OID)) return false;
  if (parsed.subjectAltName !== LOOPBACK_ALT_NAMES) return false;
  const usages = parsed.keyUsage ?? [];
  if (usages.length !== 1 || usages[0] !== SERVER_AUTH) return false;
  return notAfter.getTime() - notBefore.getTime() <= MAX_VALIDITY_DAYS * DAY_MS;
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
