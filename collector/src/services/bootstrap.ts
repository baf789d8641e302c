import { hashToken, randomToken } from '@devtrust/shared/crypto';
import type { CollectorConfig } from '../config/config.js';
import type { Store } from '../store/store.js';
import { writeFirstStartKeys } from './first-start-keys.js';

export const ENROLLMENT_KEY_SETTING = 'enrollment_key_hash';

/** Secrets generated at first start, for whoever started the collector. */
export interface FirstStartSecrets {
  ownerApiKey?: string;
  enrollmentKey?: string;
  /** The owner-only file in the data dir that holds the generated keys (docs/configuration.md). */
  keysFile?: string;
}

/**
 * First-start set-up: the owner API key (from DEVTRUST_BOOTSTRAP_TOKEN, or generated when
 * no key exists) and the enrollment key (from DEVTRUST_ENROLLMENT_KEY, or generated once).
 * Both are stored hashed; generated ones are written to DATA_DIR/first-start-keys.txt (mode
 * 0600) and returned, never logged.
 */
export async function bootstrap(store: Store, config: CollectorConfig): Promise<FirstStartSecrets> {
  const out: FirstStartSecrets = {};
  if (config.bootstrapToken !== null) {
    const hash = hashToken(config.bootstrapToken);
    if (!(await store.apiKeys.hasHash(hash))) await store.apiKeys.create({ name: 'bootstrap', role: 'owner', keyHash: hash });
  } else if ((await store.apiKeys.countActive()) === 0) {
    const key = randomToken('dtk');
    await store.apiKeys.create({ name: 'first owner', role: 'owner', keyHash: hashToken(key) });
    out.ownerApiKey = key;
  }

  if (config.enrollmentKey !== null) {
    await store.settings.set(ENROLLMENT_KEY_SETTING, hashToken(config.enrollmentKey));
  } else if ((await store.settings.get(ENROLLMENT_KEY_SETTING)) === null) {
    const key = randomToken('dte', 24);
    const stored = await store.settings.setIfAbsent(ENROLLMENT_KEY_SETTING, hashToken(key));
    // Another collector node may have won the race; then its key stands and ours is void.
    if (stored === hashToken(key)) out.enrollmentKey = key;
  }
  if (out.ownerApiKey || out.enrollmentKey) out.keysFile = writeFirstStartKeys(config.dataDir, out);
  return out;
}

export async function rotateEnrollmentKey(store: Store, key = randomToken('dte', 24)): Promise<string> {
  await store.settings.set(ENROLLMENT_KEY_SETTING, hashToken(key));
  return key;
}
