import path from 'node:path';
import { runAllowed, type CommandRunner } from '../platform/exec.js';
import { DpapiKeyStore } from './dpapi-store.js';
import { FileKeyStore, type KeyStore } from './key-store.js';
import { KeychainKeyStore, SYSTEM_KEYCHAIN } from './keychain-store.js';
import { SafeStorageKeyStore, type SafeStorageLike } from './safe-storage-store.js';

export interface KeyStoreChoice {
  dataDir: string;
  platform?: NodeJS.Platform;
  runner?: CommandRunner;
  /** Electron's safeStorage, when running in the tray app (after `ready`). */
  safeStorage?: SafeStorageLike | null;
  /** Running as root / SYSTEM (a system service), not as a signed-in user. */
  asSystem?: boolean;
}

/** The 0600 PEM file every earlier version used; kept as the Linux store and migrated from elsewhere. */
export const legacyKeyFile = (dataDir: string): string => path.join(dataDir, 'device-key.pem');

/**
 * The one place that decides where the device key lives:
 * tray app with a working safeStorage → safeStorage; macOS → Keychain (System keychain
 * for a root service); Windows → DPAPI LocalMachine; elsewhere → the 0600 file.
 */
export function platformKeyStore(choice: KeyStoreChoice): KeyStore {
  const platform = choice.platform ?? process.platform;
  const runner = choice.runner ?? runAllowed;
  const legacy = new FileKeyStore(legacyKeyFile(choice.dataDir));
  let primary: KeyStore;
  if (choice.safeStorage?.isEncryptionAvailable())
    primary = new SafeStorageKeyStore(choice.safeStorage, path.join(choice.dataDir, 'device-key.safestorage'));
  else if (platform === 'darwin') primary = new KeychainKeyStore(runner, choice.asSystem ? SYSTEM_KEYCHAIN : null);
  else if (platform === 'win32')
    primary = new DpapiKeyStore(path.join(choice.dataDir, 'device-key.dpapi'), runner, choice.asSystem ? 'LocalMachine' : 'CurrentUser');
  else return legacy;
  return new MigratingKeyStore(primary, legacy);
}

/** root on macOS; SYSTEM (the machine account, "NAME$") on Windows. */
export function runningAsSystem(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): boolean {
  if (platform === 'win32') return (env.USERNAME ?? '').endsWith('$') || /\\systemprofile$/i.test(env.USERPROFILE ?? '');
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Reads the new store first; a key found only in the old 0600 file moves into the new
 * store (and the file is emptied), so upgrading does not force a re-enrollment.
 */
export class MigratingKeyStore implements KeyStore {
  constructor(
    readonly primary: KeyStore,
    private readonly legacy: KeyStore,
  ) {}

  get kind(): string {
    return this.primary.kind;
  }

  async load(): Promise<string | null> {
    const current = await this.primary.load();
    if (current) return current;
    const old = await this.legacy.load();
    if (!old) return null;
    await this.primary.save(old);
    await this.legacy.clear();
    return old;
  }

  save(pem: string): Promise<void> {
    return this.primary.save(pem);
  }

  clear(): Promise<void> {
    return this.primary.clear();
  }
}
