import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { atomically, lockForUpdate } from '../atomic.js';
import type { ApiKey, Role } from '../../domain/api-key.js';
import type { ApiKeyRow } from '../rows.js';

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at ?? null,
    revokedAt: row.revoked_at ?? null,
  };
}

export class ApiKeysRepo {
  constructor(private readonly db: Knex) {}

  async create(input: { name: string; role: Role; keyHash: string }): Promise<ApiKey> {
    const row: ApiKeyRow = {
      id: `key_${randomUUID()}`,
      name: input.name,
      role: input.role,
      key_hash: input.keyHash,
      created_at: Date.now(),
    };
    await this.db('api_keys').insert(row);
    return toApiKey(row);
  }

  async findActiveByHash(keyHash: string): Promise<ApiKey | null> {
    const row = await this.db<ApiKeyRow>('api_keys').where({ key_hash: keyHash }).whereNull('revoked_at').first();
    return row ? toApiKey(row) : null;
  }

  /** The key with this hash, revoked or not (first-start-keys.txt says since when one stopped working). */
  async findByHash(keyHash: string): Promise<ApiKey | null> {
    const row = await this.db<ApiKeyRow>('api_keys').where({ key_hash: keyHash }).first();
    return row ? toApiKey(row) : null;
  }

  async hasHash(keyHash: string): Promise<boolean> {
    return (await this.db('api_keys').where({ key_hash: keyHash }).first('id')) !== undefined;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.db('api_keys').where({ id }).update({ last_used_at: at });
  }

  async list(): Promise<ApiKey[]> {
    return (await this.db<ApiKeyRow>('api_keys').orderBy('created_at')).map(toApiKey);
  }

  async countActive(): Promise<number> {
    const row = await this.db('api_keys').whereNull('revoked_at').count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  async revoke(id: string): Promise<boolean> {
    return (await this.db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: Date.now() })) > 0;
  }

  /**
   * Revokes a key unless that would leave no active owner key, as one transaction: the
   * active owner rows are locked first (in id order, so two revocations cannot deadlock),
   * so of two owners revoking each other at once the second sees the first's revocation —
   * and also that its own key is gone.
   */
  async revokeKeepingAnOwner(id: string, callerId: string): Promise<'revoked' | 'not-found' | 'last-owner' | 'caller-revoked'> {
    return atomically(this.db, async (trx) => {
      const owners = (await lockForUpdate(
        trx,
        trx('api_keys').where({ role: 'owner' }).whereNull('revoked_at').orderBy('id').select('id'),
      )) as {
        id: string;
      }[];
      const caller = await trx('api_keys').where({ id: callerId }).whereNull('revoked_at').first('id');
      if (!caller) return 'caller-revoked';
      const target = (await lockForUpdate(trx, trx('api_keys').where({ id }).whereNull('revoked_at').first('id', 'role'))) as
        { id: string; role: Role } | undefined;
      if (!target) return 'not-found';
      if (target.role === 'owner' && owners.filter((o) => o.id !== id).length === 0) return 'last-owner';
      await trx('api_keys').where({ id }).update({ revoked_at: Date.now() });
      return 'revoked';
    });
  }
}
