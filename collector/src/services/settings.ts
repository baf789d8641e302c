import { hashToken, randomToken, tokenMatches } from '@devtrust/shared/crypto';
import type { AdminActor } from '../domain/admin-log.js';
import { DEFAULT_POLICY, InvalidStoredPolicy, parseStoredPolicy, type GlobalPolicyPatch, type Policy } from '../domain/policy.js';
import { AppError } from '../errors.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { SettingsRepo } from '../store/repos/settings.js';
import type { Store } from '../store/store.js';
import { recordAdminAction } from './admin-log.js';

/** The stored global policy does not pass its schema: a 500 whose cause the log names. */
function corruptPolicy(error: InvalidStoredPolicy): AppError {
  return new AppError(500, 'STORED_POLICY_INVALID', error.message, { cause: error });
}

/**
 * The collector-wide settings: the global policy (validated whenever it is read) and the
 * agent enrollment key (stored hashed, compared in constant time).
 */
export class SettingsService {
  private readonly settings: SettingsRepo;
  /** Caches the stored policy between changes (every decision reads it). */
  private readonly changes: ChangeFeed;

  constructor(private readonly store: Store) {
    this.settings = store.settings;
    this.changes = store.changes;
  }

  async globalPolicy(): Promise<Policy> {
    try {
      const load = (): Promise<string | null> => this.settings.get('globalPolicy');
      return parseStoredPolicy(await this.changes.read('settings', 'globalPolicy', load));
    } catch (error) {
      throw error instanceof InvalidStoredPolicy ? corruptPolicy(error) : error;
    }
  }

  /**
   * A partial update, merged in one transaction with the policy as stored then, so two
   * admins changing different fields at once both keep their change.
   */
  async updateGlobalPolicy(patch: GlobalPolicyPatch, actor: AdminActor): Promise<Policy> {
    try {
      return await this.store.transaction(async (tx) => {
        let before: Policy | null = null;
        const stored = await tx.settings.update('globalPolicy', (current) => {
          before = parseStoredPolicy(current);
          return JSON.stringify({ ...DEFAULT_POLICY, ...before, ...patch });
        });
        const after = parseStoredPolicy(stored);
        await recordAdminAction(tx, actor, { resourceType: 'policy', resourceId: 'global', action: 'update', before, after });
        return after;
      });
    } catch (error) {
      throw error instanceof InvalidStoredPolicy ? corruptPolicy(error) : error;
    }
  }

  /** The check value of the master key this database's secrets are sealed with; null before the first start that records it. */
  masterKeyCheck(): Promise<string | null> {
    return this.settings.get('masterKeyCheck');
  }

  /** Records the master key's check value unless one is stored; returns the stored one (another node may have won). */
  recordMasterKeyCheck(check: string): Promise<string> {
    return this.settings.setIfAbsent('masterKeyCheck', check);
  }

  /** Whether an agent presented the current enrollment key. */
  async enrollmentKeyMatches(key: string): Promise<boolean> {
    const stored = await this.settings.get('enrollmentKeyHash');
    return stored !== null && tokenMatches(key, stored);
  }

  /** Sets the enrollment key (DEVTRUST_ENROLLMENT_KEY at start-up); recorded when it changes it. */
  async setEnrollmentKey(key: string, actor: AdminActor): Promise<void> {
    await this.store.transaction(async (tx) => {
      if ((await tx.settings.get('enrollmentKeyHash')) === hashToken(key)) return;
      await tx.settings.set('enrollmentKeyHash', hashToken(key));
      await recordAdminAction(tx, actor, {
        resourceType: 'enrollment-key',
        resourceId: null,
        action: 'set',
        after: { source: 'configuration' },
      });
    });
  }

  /**
   * Stores a generated enrollment key unless one exists. Returns the key when it was
   * stored; null when another collector node won the race (its key stands, ours is void).
   */
  async generateEnrollmentKeyIfAbsent(actor: AdminActor): Promise<string | null> {
    if ((await this.settings.get('enrollmentKeyHash')) !== null) return null;
    const key = randomToken('dte', 24);
    return this.store.transaction(async (tx) => {
      const stored = await tx.settings.setIfAbsent('enrollmentKeyHash', hashToken(key));
      if (stored !== hashToken(key)) return null;
      await recordAdminAction(tx, actor, {
        resourceType: 'enrollment-key',
        resourceId: null,
        action: 'generate',
        after: { source: 'generated' },
      });
      return key;
    });
  }

  /** Replaces the enrollment key; returns the new key, shown once. */
  async rotateEnrollmentKey(actor: AdminActor, key = randomToken('dte', 24)): Promise<string> {
    await this.store.transaction(async (tx) => {
      await tx.settings.set('enrollmentKeyHash', hashToken(key));
      await recordAdminAction(tx, actor, {
        resourceType: 'enrollment-key',
        resourceId: null,
        action: 'rotate',
        after: { source: 'generated' },
      });
    });
    return key;
  }
}
