import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './canonical.js';

/**
 * The proof that a device holds an integration's trusted endpoints configuration key, which
 * only the MDM puts there. The key itself never travels: the agent (or a mobile client)
 * sends HMAC-SHA256(key, canonical {v, deviceId, publicKey}) inside its signed report.
 *
 * Binding the device's public key means a proof is worth nothing to anyone else: it only
 * verifies for reports signed by that device's key, so one read off a loopback page, a log
 * or a stored report cannot be replayed from another device. The session nonce is left
 * out on purpose: the collector checks the proof when it judges a sign-in, from the stored
 * report, and the report itself is already signed over the nonce.
 */
export const MDM_ASSERTION_VERSION = 1 as const;

/** A configuration key: "dtc_" and 43 base64url characters (256 random bits). */
export const CONFIG_KEY_PATTERN = /^dtc_[A-Za-z0-9_-]{43}$/;

function message(deviceId: string, publicKey: string): Buffer {
  return Buffer.from(canonicalJson({ v: MDM_ASSERTION_VERSION, deviceId, publicKey }));
}

/** base64url HMAC-SHA256 (43 characters) over the device ID and the device's public key. */
export function mdmAssertionProof(configKey: string, deviceId: string, publicKey: string): string {
  return createHmac('sha256', configKey).update(message(deviceId, publicKey)).digest('base64url');
}

/** Whether `proof` was made with `configKey` for this device ID and public key; constant time, never throws. */
export function mdmAssertionVerifies(configKey: string, deviceId: string, publicKey: string, proof: string): boolean {
  const expected = Buffer.from(mdmAssertionProof(configKey, deviceId, publicKey));
  const given = Buffer.from(proof);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
