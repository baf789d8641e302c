import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { fromJson, toJson } from '../json.js';
import type { Application, Policy } from '../types.js';

function toApplication(row: Record<string, unknown>): Application {
  return {
    id: row.id as string,
    name: row.name as string,
    clientId: row.client_id as string,
    redirectUris: fromJson<string[]>(row.redirect_uris, []),
    policy: fromJson<Partial<Policy>>(row.policy, {}),
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

export class ApplicationsRepo {
  constructor(private readonly db: Knex) {}

  async create(input: {
    name: string;
    clientId: string;
    secretHash: string;
    secretSealed: string;
    redirectUris: string[];
    policy: Partial<Policy>;
  }): Promise<Application> {
    const now = Date.now();
    const row = {
      id: `app_${randomUUID()}`,
      name: input.name,
      client_id: input.clientId,
      client_secret_hash: input.secretHash,
      client_secret_sealed: input.secretSealed,
      redirect_uris: toJson(input.redirectUris),
      policy: toJson(input.policy),
      created_at: now,
      updated_at: now,
    };
    await this.db('applications').insert(row);
    return toApplication(row);
  }

  async get(id: string): Promise<Application | null> {
    const row = await this.db('applications').where({ id }).first();
    return row ? toApplication(row) : null;
  }

  async byClientId(clientId: string): Promise<(Application & { secretHash: string; secretSealed: string }) | null> {
    const row = await this.db('applications').where({ client_id: clientId }).first();
    return row
      ? { ...toApplication(row), secretHash: row.client_secret_hash as string, secretSealed: row.client_secret_sealed as string }
      : null;
  }

  async list(): Promise<Application[]> {
    return (await this.db('applications').orderBy('created_at')).map(toApplication);
  }

  async update(id: string, patch: { name?: string; redirectUris?: string[]; policy?: Partial<Policy> }): Promise<Application | null> {
    const row: Record<string, unknown> = { updated_at: Date.now() };
    if (patch.name !== undefined) row.name = patch.name;
    if (patch.redirectUris !== undefined) row.redirect_uris = toJson(patch.redirectUris);
    if (patch.policy !== undefined) row.policy = toJson(patch.policy);
    return (await this.db('applications').where({ id }).update(row)) > 0 ? this.get(id) : null;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db('applications').where({ id }).delete()) > 0;
  }
}
