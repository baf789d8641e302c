import path from 'node:path';
import type { KeyKind } from '@devtrust/shared/protocol';
import { runAllowed } from '../platform/exec.js';
import { SoftwareKeyStore, type DeviceKey, type DeviceKeyStore } from './device-key.js';
import { platformKeyStore, runningAsSystem, type KeyStoreChoice } from './platform-key-store.js';
import { SecureEnclaveKeyStore } from './secure-enclave-store.js';
import { TpmKeyStore } from './tpm-store.js';

/** `auto`: a hardware key where this OS offers one, else software. `off`: software only. */
export const HARDWARE_KEY_PREFERENCES = ['auto', 'off'] as const;
export type HardwareKeyPreference = (typeof HARDWARE_KEY_PREFERENCES)[number];

/** The stores one agent may use: always software; this OS's hardware store, if any. */
export interface DeviceKeyStores {
  software: DeviceKeyStore;
  hardware: DeviceKeyStore | null;
}

/**
 * The one place that decides which device key stores exist here: the Secure Enclave on
 * macOS, the TPM on Windows (each only when the machine turns out to have one), and the
 * software key (platform-key-store.ts decides where its secret lives) everywhere.
 */
export function platformDeviceKeyStores(choice: KeyStoreChoice & { hardware?: HardwareKeyPreference }): DeviceKeyStores {
  const platform = choice.platform ?? process.platform;
  const runner = choice.runner ?? runAllowed;
  const software = new SoftwareKeyStore(platformKeyStore(choice));
  if (choice.hardware === 'off') return { software, hardware: null };
  if (platform === 'darwin')
    return { software, hardware: new SecureEnclaveKeyStore(path.join(choice.dataDir, 'device-key.se.json'), runner) };
  if (platform === 'win32') return { software, hardware: new TpmKeyStore(runner, choice.asSystem ?? runningAsSystem(platform)) };
  return { software, hardware: null };
}

export interface OpenedKey {
  key: DeviceKey;
  /** Why the key is not what was wanted (a hardware key unavailable, an enrolled key lost); null when it is. */
  note: string | null;
  /** The enrolled key could not be used: the agent must enroll again with `key`. */
  reenroll: boolean;
}

/** A new key: hardware when this machine has a working store, else software, saying why. */
async function createKey(stores: DeviceKeyStores): Promise<OpenedKey> {
  let note: string | null = null;
  const hardware = stores.hardware;
  if (hardware) {
    const why = await hardware.unavailable();
    if (why === null) {
      try {
        return { key: await hardware.create(), note: null, reenroll: false };
      } catch (error) {
        note = `could not create a ${hardware.kind} key (${(error as Error).message}); using a software key`;
      }
    } else {
      note = `${why}; using a software key`;
    }
  }
  return { key: await stores.software.create(), note, reenroll: false };
}

/**
 * The device key for this run. Enrolling (fresh): a new key, hardware first. Enrolled: the
 * key of the kind it enrolled with; never another kind in its place, since the collector
 * knows the endpoint by that key. If that key is gone or unusable (the helper removed, the
 * TPM cleared), a new key is made and the agent enrolls again; the collector then sees a new
 * key reporting identifiers the old one holds and waits for an administrator.
 */
export async function openDeviceKey(stores: DeviceKeyStores, enrolled: { kind: KeyKind } | null): Promise<OpenedKey> {
  if (enrolled === null) return createKey(stores);
  const store = enrolled.kind === 'software' ? stores.software : stores.hardware?.kind === enrolled.kind ? stores.hardware : null;
  let problem = `this machine no longer offers a ${enrolled.kind} key store`;
  if (store) {
    try {
      const key = await store.load();
      if (key) return { key, note: null, reenroll: false };
      problem = `no ${enrolled.kind} device key is stored`;
    } catch (error) {
      problem = `the ${enrolled.kind} device key cannot be used (${(error as Error).message})`;
    }
  }
  const fresh = await createKey(stores);
  return { ...fresh, note: [`${problem}: enrolling again with a new key`, fresh.note].filter(Boolean).join('; '), reenroll: true };
}
