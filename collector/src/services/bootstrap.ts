import { hashToken, randomToken } from '@devtrust/shared/crypto';
import type { CollectorConfig } from '../config/config.js';
import type { ApiKeysRepo } from '../store/repos/api-keys.js';
import type { SettingsService } from './settings.js';
import { writeFirstStartKeys } from './first-start-keys.js';

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
export async function bootstrap(apiKeys: ApiKeysRepo, settings: SettingsService, config: CollectorConfig): Promise<FirstStartSecrets> {
  const out: FirstStartSecrets = {};
  if (config.bootstrapToken !== null) {
    const hash = hashToken(config.bootstrapToken);
    if (!(await apiKeys.hasHash(hash))) await apiKeys.create({ name: 'bootstrap', role: 'owner', keyHash: hash });
  } else if ((await apiKeys.countActive()) === 0) {
    const key = randomToken('dtk');
    await apiKeys.create({ name: 'first owner', role: 'owner', keyHash: hashToken(key) });
    out.ownerApiKey = key;
  }

  if (config.enrollmentKey !== null) {
    await settings.setEnrollmentKey(config.enrollmentKey);
  } else {
    const key = await settings.generateEnrollmentKeyIfAbsent();
    if (key !== null) out.enrollmentKey = key;
  }
  if (out.ownerApiKey || out.enrollmentKey) out.keysFile = writeFirstStartKeys(config.dataDir, out);
  return out;
}
