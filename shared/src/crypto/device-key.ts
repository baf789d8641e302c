import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.js';

/**
 * Device keys are Ed25519. The public key travels as base64url of its 32 raw bytes;
 * the private key is stored as PKCS#8 PEM by whichever key store the platform has.
 */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface DeviceKeyPair {
  privateKey: KeyObject;
  publicKey: string;
}

export function generateDeviceKey(): DeviceKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: encodePublicKey(publicKey) };
}

export function encodePublicKey(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return der.subarray(SPKI_ED25519_PREFIX.length).toString('base64url');
}

export function decodePublicKey(encoded: string): KeyObject {
  const raw = Buffer.from(encoded, 'base64url');
  if (raw.length !== 32) throw new TypeError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function privateKeyToPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function privateKeyFromPem(pem: string): DeviceKeyPair {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('device key is not Ed25519');
  return { privateKey, publicKey: encodePublicKey(createPublicKey(privateKey)) };
}

/** Signs the canonical encoding of a payload; returns base64url. */
export function signPayload(privateKey: KeyObject, payload: unknown): string {
  return sign(null, Buffer.from(canonicalJson(payload)), privateKey).toString('base64url');
}

/** Verifies a base64url signature over the canonical encoding; never throws. */
export function verifyPayload(publicKey: KeyObject | string, payload: unknown, signature: string): boolean {
  try {
    const key = typeof publicKey === 'string' ? decodePublicKey(publicKey) : publicKey;
    return verify(null, Buffer.from(canonicalJson(payload)), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
