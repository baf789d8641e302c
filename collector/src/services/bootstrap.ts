import { hashToken, randomToken } from '@devtrust/shared/crypto';
import type { CollectorConfig } from '../config/config.js';
import { BOOTSTRAP_ACTOR, SYSTEM_ACTOR, type AdminActor } from '../domain/admin-log.js';
import type { Store } from '../store/store.js';
import { recordAdminAction } from './admin-log.js';
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
 * 0600) and returned, never logged. Each change is in the admin log, made by the
 * collector at start-up: from its configuration (BOOTSTRAP_ACTOR) or generated (SYSTEM_ACTOR).
 */
export async function bootstrap(store: Store, settings: SettingsService, config: CollectorConfig): Promise<FirstStartSecrets> {
  const out: FirstStartSecrets = {};
  await store.transaction(async (tx) => {
    // Collectors started together on a new database (a deployment of several nodes) set up one
    // at a time: each reads what the one before committed. Checked and created apart, both
    // inserted the bootstrap token's key (the second failed to start on the unique hash), or,
    // without one, each generated a first owner key of its own.
    await tx.lockFirstStart();
    const createOwnerKey = async (name: string, keyHash: string, action: string, actor: AdminActor) => {
      const created = await tx.apiKeys.create({ name, role: 'owner', keyHash });
      await recordAdminAction(tx, actor, { resourceType: 'api-key', resourceId: created.id, action, after: created });
    };
    if (config.bootstrapToken !== null) {
      const hash = hashToken(config.bootstrapToken);
      if (!(await tx.apiKeys.hasHash(hash))) await createOwnerKey('bootstrap', hash, 'bootstrap-create', BOOTSTRAP_ACTOR);
    } else if ((await tx.apiKeys.countActive()) === 0) {
      const key = randomToken('dtk');
      await createOwnerKey('first owner', hashToken(key), 'first-start-create', SYSTEM_ACTOR);
      out.ownerApiKey = key;
    }
  });

  if (config.enrollmentKey !== null) {
    await settings.setEnrollmentKey(config.enrollmentKey, BOOTSTRAP_ACTOR);
  } else {
    const key = await settings.generateEnrollmentKeyIfAbsent(SYSTEM_ACTOR);
    if (key !== null) out.enrollmentKey = key;
  }
  if (out.ownerApiKey || out.enrollmentKey) out.keysFile = writeFirstStartKeys(config.dataDir, out);
  return out;
}
