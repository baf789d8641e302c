import { hashToken, randomToken } from '@devtrust/shared/crypto';
import type { AdminActor } from '../domain/admin-log.js';
import type { ApiKey, Role } from '../domain/api-key.js';
import type { ApiKeysRepo } from '../store/repos/api-keys.js';
import type { Store } from '../store/store.js';
import { recordAdminAction } from './admin-log.js';

export type RevokeOutcome = Awaited<ReturnType<ApiKeysRepo['revokeKeepingAnOwner']>>;

/** Admin API keys: stored hashed, shown once when created. Creations and revocations are in the admin log. */
export class ApiKeyService {
  private readonly apiKeys: ApiKeysRepo;

  constructor(private readonly store: Store) {
    this.apiKeys = store.apiKeys;
  }

  /** The active key a bearer token is, or null. Records its use (at most once a minute, never failing the caller). */
  async authenticate(token: string): Promise<ApiKey | null> {
    const key = await this.apiKeys.findActiveByHash(hashToken(token));
    if (!key) return null;
    if (key.lastUsedAt === null || Date.now() - key.lastUsedAt > 60_000) void this.apiKeys.touch(key.id, Date.now()).catch(() => undefined);
    return key;
  }

  /** Creates a key; the returned `key` is the only time its value is seen. */
  async create(name: string, role: Role, actor: AdminActor): Promise<ApiKey & { key: string }> {
    const key = randomToken('dtk');
    const created = await this.store.transaction(async (tx) => {
      const stored = await tx.apiKeys.create({ name, role, keyHash: hashToken(key) });
      await recordAdminAction(tx, actor, { resourceType: 'api-key', resourceId: stored.id, action: 'create', after: stored });
      return stored;
    });
    return { ...created, key };
  }

  list(): Promise<ApiKey[]> {
    return this.apiKeys.list();
  }

  /** Revokes a key unless it is the last active owner key (see ApiKeysRepo.revokeKeepingAnOwner). */
  revoke(id: string, callerId: string, actor: AdminActor): Promise<RevokeOutcome> {
    return this.store.transaction(async (tx) => {
      const before = (await tx.apiKeys.list()).find((k) => k.id === id);
      const outcome = await tx.apiKeys.revokeKeepingAnOwner(id, callerId);
      if (outcome === 'revoked') {
        const after = (await tx.apiKeys.list()).find((k) => k.id === id);
        await recordAdminAction(tx, actor, { resourceType: 'api-key', resourceId: id, action: 'revoke', before, after });
      }
      return outcome;
    });
  }
}
