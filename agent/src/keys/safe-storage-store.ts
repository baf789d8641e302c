import { readFile, rm } from 'node:fs/promises';
import { writePrivateFile, type KeyStore } from './key-store.js';

/** The part of Electron's `safeStorage` we use; tests pass a fake. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * Tray app: the device key encrypted with Electron's safeStorage (Keychain on macOS,
 * DPAPI CurrentUser on Windows), the ciphertext as base64 in an owner-only file.
 * Only usable after Electron's `ready`.
 */
export class SafeStorageKeyStore implements KeyStore {
  readonly kind = 'electron-safe-storage';

  constructor(
    private readonly safeStorage: SafeStorageLike,
    private readonly file: string,
  ) {}

  private ensureAvailable(): void {
    if (!this.safeStorage.isEncryptionAvailable()) throw new Error('the OS keystore (Electron safeStorage) is not available');
  }

  async load(): Promise<string | null> {
    let blob: string;
    try {
      blob = (await readFile(this.file, 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    if (blob === '') return null;
    this.ensureAvailable();
    return this.safeStorage.decryptString(Buffer.from(blob, 'base64'));
  }

  async save(pem: string): Promise<void> {
    this.ensureAvailable();
    await writePrivateFile(this.file, this.safeStorage.encryptString(pem).toString('base64'));
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
