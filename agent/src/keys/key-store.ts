import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where the device's private key lives. Per platform: a 0600 file (Linux, headless
 * default), the macOS Keychain, Windows DPAPI. The key never leaves the device.
 */
export interface KeyStore {
  readonly kind: string;
  load(): Promise<string | null>;
  save(pem: string): Promise<void>;
  clear(): Promise<void>;
}

/** Writes atomically (temp file + rename) with owner-only permissions. */
export async function writePrivateFile(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, content, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
}

export class FileKeyStore implements KeyStore {
  readonly kind = 'file';
  constructor(private readonly file: string) {}

  async load(): Promise<string | null> {
    try {
      return await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async save(pem: string): Promise<void> {
    await writePrivateFile(this.file, pem);
  }

  async clear(): Promise<void> {
    await writePrivateFile(this.file, '');
  }
}
