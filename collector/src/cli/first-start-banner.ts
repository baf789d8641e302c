import { existsSync } from 'node:fs';
import path from 'node:path';
import { FIRST_START_KEYS_FILE } from '../services/first-start-keys.js';
import type { FirstStartSecrets } from '../services/bootstrap.js';

/**
 * What devtrust-collector prints on stdout after a first start. The keys themselves only when
 * stdout is a terminal; otherwise (systemd, Docker, a pipe) only where the file holding them is.
 */
export function firstStartBanner(secrets: FirstStartSecrets, terminal: boolean): string {
  const lines = ['', `First start: new keys were generated and written to ${secrets.keysFile} (readable by this user only).`];
  if (terminal) {
    if (secrets.ownerApiKey) lines.push(`  owner API key:         ${secrets.ownerApiKey}`);
    if (secrets.enrollmentKey) lines.push(`  agent enrollment key:  ${secrets.enrollmentKey}`);
  }
  lines.push('Store them in your password manager or secret store, then delete that file.', '', '');
  return lines.join('\n');
}

/** A reminder on later starts while the first-start keys file is still lying in the data dir. */
export function leftoverKeysFileNotice(dataDir: string): string | null {
  const file = path.join(dataDir, FIRST_START_KEYS_FILE);
  return existsSync(file) ? `Reminder: ${file} still holds the first-start keys; delete it once they are stored.\n` : null;
}
