import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * The key that seals vendor credentials at rest. From DEVTRUST_MASTER_KEY when set (all
 * collector nodes sharing a PostgreSQL database must use the same one); otherwise
 * generated once into the data dir, readable by the owner only.
 */
export function loadMasterKey(configured: Buffer | null, dataDir: string): Buffer {
  if (configured) return configured;
  const file = path.join(dataDir, 'master.key');
  try {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new ConfigError('DEVTRUST_MASTER_KEY', `${file} does not hold a 32-byte key`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}
