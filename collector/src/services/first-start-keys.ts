import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FIRST_START_KEYS_FILE = 'first-start-keys.txt';

/**
 * Writes the keys generated at first start to DATA_DIR/first-start-keys.txt, readable by the
 * collector's user only. They go to a file rather than the log stream because stdout under
 * systemd or Docker is kept by the log store, where anyone who reads logs would see them.
 * Only hashes are stored in the database, so this file is the one copy: the admin stores the
 * keys elsewhere and deletes it.
 */
export function writeFirstStartKeys(dataDir: string, keys: { ownerApiKey?: string; enrollmentKey?: string }, now = new Date()): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, FIRST_START_KEYS_FILE);
  const lines = [
    `DevTrust collector: keys generated at first start, ${now.toISOString()}.`,
    'Only their hashes are kept in the database; this file is the only copy.',
    '',
  ];
  if (keys.ownerApiKey)
    lines.push(
      'Owner API key (devtrustctl: DEVTRUST_API_KEY; console: sign in with it; creates the other keys):',
      `  ${keys.ownerApiKey}`,
      '',
    );
  if (keys.enrollmentKey)
    lines.push(
      'Agent enrollment key (devtrust-agent --enrollment-key-file, MDM payloads; rotate: POST /admin/v1/enrollment-key):',
      `  ${keys.enrollmentKey}`,
      '',
    );
  lines.push('Store these keys in your password manager or secret store, then delete this file:', `  rm ${file}`, '');
  // A leftover file from an earlier first start (a reset database) may carry looser
  // permissions: remove it, then create the new one exclusively with mode 0600.
  rmSync(file, { force: true });
  writeFileSync(file, lines.join('\n'), { mode: 0o600, flag: 'wx' });
  return file;
}
