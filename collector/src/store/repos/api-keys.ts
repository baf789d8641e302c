import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { ApiKey, Role } from '../types.js';

function toApiKey(row: Record<string, unknown>): ApiKey {
  return {
    id: row.id as string,
    name: row.name as string,
    role: row.role as Role,
    createdAt: row.created_at as number,
    lastUsedAt: (row.last_used_at as number | null) ?? null,
    revokedAt: (row.revoked_at as number | null) ?? null,
  };
}

export class ApiKeysRepo {
  constructor(private readonly db: Knex) {}

  async create(input: { name: string; role: Role; keyHash: string }): Promise<ApiKey> {
    const row = { id: `key_${randomUUID()}`, name: input.name, role: input.role, key_hash: input.keyHash, created_at: Date.now() };
    await this.db('api_keys').insert(row);
    return toApiKey(row);
  }

  async findActiveByHash(keyHash: string): Promise<ApiKey | null> {
    const row = await this.db('api_keys').where({ key_hash: keyHash }).whereNull('revoked_at').first();
    return row ? toApiKey(row) : null;
  }

  async hasHash(keyHash: string): Promise<boolean> {
    return (await this.db('api_keys').where({ key_hash: keyHash }).first('id')) !== undefined;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.db('api_keys').where({ id }).update({ last_used_at: at });
  }

  async list(): Promise<ApiKey[]> {
    return (await this.db('api_keys').orderBy('created_at')).map(toApiKey);
  }

  async countActive(): Promise<number> {
    const row = await this.db('api_keys').whereNull('revoked_at').count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  async revoke(id: string): Promise<boolean> {
    return (await this.db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: Date.now() })) > 0;
  }
}
