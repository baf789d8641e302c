import { generateDeviceKey, privateKeyFromPem, privateKeyToPem, signPayload, type DeviceKeyPair } from '@devtrust/shared/crypto';
import type { KeyKind } from '@devtrust/shared/protocol';
import type { KeyStore } from './key-store.js';

/**
 * The device key as the link uses it: its public half, its kind, and a way to sign. A
 * software key signs in this process; a hardware key (Secure Enclave, TPM) never leaves the
 * chip, so signing asks a helper and is asynchronous (docs/hardware-keys.md).
 */
export interface DeviceKey {
  readonly kind: KeyKind;
  /** base64url: 32 bytes (Ed25519, software) or the 65-byte P-256 point (hardware). */
  readonly publicKey: string;
  /** Signs the canonical encoding of `payload` (shared/crypto); base64url. */
  sign(payload: unknown): Promise<string>;
}

/**
 * Where a device key lives: one implementation per kind (software, secure-enclave, tpm),
 * chosen in select-device-key.ts. A store answers whether it can work on this machine before
 * it is asked to create a key, so the agent can fall back to software with a reason.
 */
export interface DeviceKeyStore {
  readonly kind: KeyKind;
  /** Null when this store can hold a key here; otherwise why not, for the log and `doctor`. */
  unavailable(): Promise<string | null>;
  /** The stored key, or null when there is none. */
  load(): Promise<DeviceKey | null>;
  /** A new key, replacing any this store held. */
  create(): Promise<DeviceKey>;
}

function softwareKey(keys: DeviceKeyPair): DeviceKey {
  return { kind: 'software', publicKey: keys.publicKey, sign: async (payload) => signPayload(keys.privateKey, payload) };
}

/**
 * The software key: Ed25519, its PKCS#8 PEM kept by the platform's secret store (Keychain
 * item, DPAPI blob, Electron safeStorage, 0600 file). Works everywhere: the fallback.
 */
export class SoftwareKeyStore implements DeviceKeyStore {
  readonly kind = 'software' as const;
  constructor(readonly secrets: KeyStore) {}

  async unavailable(): Promise<string | null> {
    return null;
  }

  async load(): Promise<DeviceKey | null> {
    const pem = await this.secrets.load();
    return pem ? softwareKey(privateKeyFromPem(pem)) : null;
  }

  async create(): Promise<DeviceKey> {
    const keys = generateDeviceKey();
    await this.secrets.save(privateKeyToPem(keys.privateKey));
    return softwareKey(keys);
  }
}
