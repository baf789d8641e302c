import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';

/** Where to read what to do when the master key and the database do not belong together. */
const GUIDE = 'see docs/operations-backup-upgrade.md';

/**
 * The key that seals vendor credentials at rest. From DEVTRUST_MASTER_KEY when set (all
 * collector nodes sharing a PostgreSQL database must use the same one); otherwise
 * generated once into the data dir, readable by the owner only — unless `mayGenerate` is
 * false: a database that already holds sealed secrets needs its own key back (a restore
 * that left master.key behind), not a new one that can open nothing.
 */
export function loadMasterKey(configured: Buffer | null, dataDir: string, mayGenerate = true, expectedCheck?: string): Buffer {
  if (configured) return configured;
  const file = path.join(dataDir, 'master.key');
  try {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new ConfigError('DEVTRUST_MASTER_KEY', `${file} does not hold a 32-byte key`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!mayGenerate) {
    throw new ConfigError(
      'DEVTRUST_MASTER_KEY',
      `not set, and ${file} does not exist, but the database holds secrets sealed with a master key: ` +
        `put the master.key kept with this database${expectedCheck ? ` (check ${expectedCheck})` : ''} back in ${dataDir} (mode 0600), ` +
        `or set DEVTRUST_MASTER_KEY (${GUIDE})`,
    );
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

/**
 * A value that names a master key without revealing it (an HMAC under the key of a fixed
 * text). The database keeps it, so a collector started with another key, or with a new one
 * generated beside a restored database, stops with a clear error instead of failing later
 * on every sealed secret. Backups carry it too (devtrustctl backup prints it).
 */
export function masterKeyCheck(key: Buffer): string {
  return createHmac('sha256', key).update('devtrust master key check v1').digest('base64url').slice(0, 16);
}

/** The settings that hold the check value (services/settings.ts). */
export interface MasterKeyChecks {
  masterKeyCheck(): Promise<string | null>;
  recordMasterKeyCheck(check: string): Promise<string>;
}

/**
 * The master key for this database: loaded (or generated on a first start) and matched
 * against the check value the database holds. A database from before the check existed
 * records it now, once the key has opened a sealed value (`opens`).
 */
export async function unlockMasterKey(
  configured: Buffer | null,
  dataDir: string,
  checks: MasterKeyChecks,
  opens: (key: Buffer) => Promise<boolean>,
): Promise<Buffer> {
  const stored = await checks.masterKeyCheck();
  const key = loadMasterKey(configured, dataDir, stored === null, stored ?? undefined);
  const check = masterKeyCheck(key);
  // No check recorded yet (a first start, or a database from before checks): the key must
  // open what the database already holds before it is recorded as the database's key.
  if (stored === null && !(await opens(key))) {
    throw new ConfigError(
      'DEVTRUST_MASTER_KEY',
      `the master key (${configured ? 'DEVTRUST_MASTER_KEY' : path.join(dataDir, 'master.key')}) does not open the secrets this ` +
        `database holds: use the key they were sealed with (${GUIDE})`,
    );
  }
  const expected = stored ?? (await checks.recordMasterKeyCheck(check));
  if (expected !== check) {
    throw new ConfigError(
      'DEVTRUST_MASTER_KEY',
      `the master key (${configured ? 'DEVTRUST_MASTER_KEY' : path.join(dataDir, 'master.key')}, check ${check}) is not the one this ` +
        `database's secrets are sealed with (check ${expected}): use the key kept with this database (${GUIDE})`,
    );
  }
  return key;
}
