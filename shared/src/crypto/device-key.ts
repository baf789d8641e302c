import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.js';

/**
 * Software device keys are Ed25519: the public key travels as base64url of its 32 raw bytes,
 * the private key is stored as PKCS#8 PEM by whichever key store the platform has.
 * Hardware-backed keys (Secure Enclave, TPM: docs/hardware-keys.md) can only be ECDSA P-256:
 * their public key travels as base64url of the 65-byte uncompressed point, their signatures
 * as the 64 bytes r||s (IEEE P1363, what CryptoKit's rawRepresentation and NCrypt give).
 */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const SPKI_P256_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

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

/** A P-256 public key as it travels: base64url of the uncompressed point (0x04 || X || Y). */
export function encodeP256PublicKey(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  if (key.asymmetricKeyType !== 'ec' || !der.subarray(0, SPKI_P256_PREFIX.length).equals(SPKI_P256_PREFIX))
    throw new TypeError('not a P-256 public key');
  return der.subarray(SPKI_P256_PREFIX.length).toString('base64url');
}

const P25519 = 2n ** 255n - 19n;
/** The y of the two points of order 8 (the other two of order 8 have P25519 − Y8). */
const Y8 = 0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n;
/** The y-coordinates of Ed25519's eight points of small order (orders 1, 2, 4 and 8). */
const SMALL_ORDER_Y = new Set([0n, 1n, P25519 - 1n, Y8, P25519 - Y8]);

/**
 * An Ed25519 key no device could have made: a point of small order, for which a signature
 * can be forged without any private key (the identity verifies R = B, S = 1 over any
 * message), or a y written at or above the field's prime (a second spelling of a small one).
 * OpenSSL accepts both as keys; an enrolled one would let anyone sign as its endpoint.
 */
function isWeakEd25519(raw: Buffer): boolean {
  const y = BigInt(`0x${Buffer.from(raw).reverse().toString('hex')}`) & ((1n << 255n) - 1n);
  return y >= P25519 || SMALL_ORDER_Y.has(y);
}

/**
 * An Ed25519 (32 raw bytes) or P-256 (65-byte uncompressed point) public key. Imported as a
 * JWK, which OpenSSL 3 takes as the raw key or point: as DER SPKI it goes through OpenSSL's
 * generic decoder lookup, 65 against 5 µs for Ed25519 (94 against 47 µs for P-256), and the
 * collector decodes a key for every signed frame (docs/performance.md). A P-256 point off the
 * curve is refused here, as the DER import refused it, and so is an Ed25519 key of small order.
 */
export function decodePublicKey(encoded: string): KeyObject {
  const raw = Buffer.from(encoded, 'base64url');
  if (raw.length === 32) {
    if (isWeakEd25519(raw)) throw new TypeError('an Ed25519 point of small order (or written out of range) is not a device key');
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  }
  if (raw.length === 65 && raw[0] === 0x04) {
    const x = raw.subarray(1, 33).toString('base64url');
    const y = raw.subarray(33).toString('base64url');
    return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
  }
  throw new TypeError('a device public key is an Ed25519 key (32 bytes) or a P-256 point (65 bytes)');
}

/** Whether `encoded` is a device public key decodePublicKey takes (an enrollment presents no other). */
export function isUsablePublicKey(encoded: string): boolean {
  try {
    decodePublicKey(encoded);
    return true;
  } catch {
    return false;
  }
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

/** Signs like signPayload with a P-256 key: ECDSA SHA-256, r||s. What hardware key helpers return. */
export function signPayloadP256(privateKey: KeyObject, payload: unknown): string {
  return sign('sha256', Buffer.from(canonicalJson(payload)), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
}

/**
 * What `crypto.verify` takes for a base64url signature (Ed25519, or P-256 r||s) over the
 * canonical encoding of a payload. Throws on a key that is not one of ours.
 */
function verifyArguments(publicKey: KeyObject | string, payload: unknown, signature: string) {
  const key = typeof publicKey === 'string' ? decodePublicKey(publicKey) : publicKey;
  const data = Buffer.from(canonicalJson(payload));
  const sig = Buffer.from(signature, 'base64url');
  return key.asymmetricKeyType === 'ec'
    ? ({ algorithm: 'sha256', data, key: { key, dsaEncoding: 'ieee-p1363' as const }, sig } as const)
    : ({ algorithm: null, data, key, sig } as const);
}

/** Verifies a base64url signature (Ed25519, or P-256 r||s) over the canonical encoding; never throws. */
export function verifyPayload(publicKey: KeyObject | string, payload: unknown, signature: string): boolean {
  try {
    const { algorithm, data, key, sig } = verifyArguments(publicKey, payload, signature);
    return verify(algorithm, data, key, sig);
  } catch {
    return false;
  }
}

/**
 * Like verifyPayload, on libuv's thread pool: the event loop only encodes the payload, and
 * verifications of many sessions run on as many cores as the pool has threads. An Ed25519
 * check costs about as much as everything else the collector does for a report (see
 * docs/performance.md); never rejects.
 */
export function verifyPayloadAsync(publicKey: KeyObject | string, payload: unknown, signature: string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const { algorithm, data, key, sig } = verifyArguments(publicKey, payload, signature);
      verify(algorithm, data, key, sig, (error, ok) => resolve(error === null && ok));
    } catch {
      resolve(false);
    }
  });
}
