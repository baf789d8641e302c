import { hashToken, randomToken } from '@devtrust/shared/crypto';
import type { ApiKey, Role } from '../domain/api-key.js';
import type { ApiKeysRepo } from '../store/repos/api-keys.js';

export type RevokeOutcome = Awaited<ReturnType<ApiKeysRepo['revokeKeepingAnOwner']>>;

/** Admin API keys: stored hashed, shown once when created. */
export class ApiKeyService {
  constructor(private readonly apiKeys: ApiKeysRepo) {}

  /** The active key a bearer token is, or null. Records its use (at most once a minute, never failing the caller). */
  async authenticate(token: string): Promise<ApiKey | null> {
    const key = await this.apiKeys.findActiveByHash(hashToken(token));
    if (!key) return null;
    if (key.lastUsedAt === null || Date.now() - key.lastUsedAt > 60_000) void this.apiKeys.touch(key.id, Date.now()).catch(() => undefined);
    return key;
  }

  /** Creates a key; the returned `key` is the only time its value is seen. */
  async create(name: string, role: Role): Promise<ApiKey & { key: string }> {
    const key = randomToken('dtk');
    const created = await this.apiKeys.create({ name, role, keyHash: hashToken(key) });
    return { ...created, key };
  }

  list(): Promise<ApiKey[]> {
    return this.apiKeys.list();
  }

  /** Revokes a key unless it is the last active owner key (see ApiKeysRepo.revokeKeepingAnOwner). */
  revoke(id: string, callerId: string): Promise<RevokeOutcome> {
    return this.apiKeys.revokeKeepingAnOwner(id, callerId);
  }
}
