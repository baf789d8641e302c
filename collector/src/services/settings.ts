import { hashToken, randomToken, tokenMatches } from '@devtrust/shared/crypto';
import { DEFAULT_POLICY, InvalidStoredPolicy, parseStoredPolicy, type GlobalPolicyPatch, type Policy } from '../domain/policy.js';
import { AppError } from '../errors.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { SettingsRepo } from '../store/repos/settings.js';

/** The stored global policy does not pass its schema: a 500 whose cause the log names. */
function corruptPolicy(error: InvalidStoredPolicy): AppError {
  return new AppError(500, 'STORED_POLICY_INVALID', error.message, { cause: error });
}

/**
 * The collector-wide settings: the global policy (validated whenever it is read) and the
 * agent enrollment key (stored hashed, compared in constant time).
 */
export class SettingsService {
  /** `changes`: caches the stored policy between changes (every decision reads it). */
  constructor(
    private readonly settings: SettingsRepo,
    private readonly changes?: ChangeFeed,
  ) {}

  async globalPolicy(): Promise<Policy> {
    try {
      const load = (): Promise<string | null> => this.settings.get('globalPolicy');
      return parseStoredPolicy(await (this.changes ? this.changes.read('settings', 'globalPolicy', load) : load()));
    } catch (error) {
      throw error instanceof InvalidStoredPolicy ? corruptPolicy(error) : error;
    }
  }

  /**
   * A partial update, merged in one transaction with the policy as stored then, so two
   * admins changing different fields at once both keep their change.
   */
  async updateGlobalPolicy(patch: GlobalPolicyPatch): Promise<Policy> {
    try {
      const stored = await this.settings.update('globalPolicy', (current) =>
        JSON.stringify({ ...DEFAULT_POLICY, ...parseStoredPolicy(current), ...patch }),
      );
      return parseStoredPolicy(stored);
    } catch (error) {
      throw error instanceof InvalidStoredPolicy ? corruptPolicy(error) : error;
    }
  }

  /** Whether an agent presented the current enrollment key. */
  async enrollmentKeyMatches(key: string): Promise<boolean> {
    const stored = await this.settings.get('enrollmentKeyHash');
    return stored !== null && tokenMatches(key, stored);
  }

  /** Sets the enrollment key (DEVTRUST_ENROLLMENT_KEY at start-up). */
  async setEnrollmentKey(key: string): Promise<void> {
    await this.settings.set('enrollmentKeyHash', hashToken(key));
  }

  /**
   * Stores a generated enrollment key unless one exists. Returns the key when it was
   * stored; null when another collector node won the race (its key stands, ours is void).
   */
  async generateEnrollmentKeyIfAbsent(): Promise<string | null> {
    if ((await this.settings.get('enrollmentKeyHash')) !== null) return null;
    const key = randomToken('dte', 24);
    const stored = await this.settings.setIfAbsent('enrollmentKeyHash', hashToken(key));
    return stored === hashToken(key) ? key : null;
  }

  /** Replaces the enrollment key; returns the new key, shown once. */
  async rotateEnrollmentKey(key = randomToken('dte', 24)): Promise<string> {
    await this.settings.set('enrollmentKeyHash', hashToken(key));
    return key;
  }
}
