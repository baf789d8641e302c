import { createHmac, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.js';

/**
 * Session MACs for reports. An agent authenticates with a signature of its device key and,
 * in that signed message, offers a fresh X25519 public key; the collector answers with its
 * own. Both derive one HMAC key for the session, and the agent may then MAC its reports
 * instead of signing each: a device-key signature costs the collector an Ed25519 check
 * (about as much as everything else it does for a report) and costs an agent with a
 * hardware key a helper process per report. Attestations stay signed with the device key.
 *
 * Why this is as strong as a signature per report for what reports need: the agent's offer
 * is covered by its device-key signature, so nobody else can make the collector derive a
 * key with them; a man in the middle who swaps the collector's answer only ends up sharing
 * a key with the agent, and MACs made with it fail at the collector. The key depends on the
 * session nonce and both public keys, so it is worth nothing in any other session, and the
 * report sequence number refuses replays within one.
 */

const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const INFO = 'devtrust report mac v1';

export interface SessionKeyPair {
  privateKey: KeyObject;
  /** base64url of the 32 raw bytes: what travels. */
  publicKey: string;
}

export function newSessionKeyPair(): SessionKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, publicKey: der.subarray(SPKI_X25519_PREFIX.length).toString('base64url') };
}

function decodeX25519(encoded: string): KeyObject {
  const raw = Buffer.from(encoded, 'base64url');
  if (raw.length !== 32) throw new TypeError('an X25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

export interface SessionContext {
  nonce: string;
  endpointId: string;
  /** The agent's offer and the collector's answer, as they travelled. */
  agentKey: string;
  collectorKey: string;
}

/**
 * The session's HMAC key, the same on both sides: HKDF-SHA256 over the X25519 shared
 * secret, salted with the session nonce, bound to the endpoint and both public keys.
 * Throws on a malformed peer key or a low-order point (an all-zero shared secret).
 */
export function sessionMacKey(own: KeyObject, peerKey: string, context: SessionContext): Buffer {
  const shared = diffieHellman({ privateKey: own, publicKey: decodeX25519(peerKey) });
  if (shared.every((byte) => byte === 0)) throw new TypeError('the peer key is a low-order point');
  const info = `${INFO}\n${context.endpointId}\n${context.agentKey}\n${context.collectorKey}`;
  return Buffer.from(hkdfSync('sha256', shared, Buffer.from(context.nonce), Buffer.from(info), 32));
}

/** HMAC-SHA256 of the canonical encoding of a payload (the one signatures cover), base64url. */
export function macPayload(key: Buffer, payload: unknown): string {
  return createHmac('sha256', key).update(canonicalJson(payload)).digest('base64url');
}

/**
 * Checks a MAC made by macPayload in constant time; never throws. Only the canonical
 * encoding counts: base64url decoding drops the last character's two spare bits (and skips
 * characters it does not know), so four strings would otherwise pass for each MAC.
 */
export function verifyMac(key: Buffer, payload: unknown, mac: string): boolean {
  try {
    const expected = createHmac('sha256', key).update(canonicalJson(payload)).digest();
    const given = Buffer.from(mac, 'base64url');
    return given.length === expected.length && given.toString('base64url') === mac && timingSafeEqual(given, expected);
  } catch {
    return false;
  }
}
