import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { atomically, lockForUpdate } from '../atomic.js';
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

export interface ApplicationPatch {
  name?: string;
  redirectUris?: string[];
  policy?: Partial<Policy>;
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

  async update(id: string, patch: ApplicationPatch): Promise<Application | null> {
    return this.patch(id, () => patch);
  }

  /**
   * Read-modify-write of one application: `change` sees the stored application and returns
   * the fields to set. Concurrent patches apply one after the other, each on the result of
   * the one before, so a change to one field never undoes a change to another.
   */
  async patch(id: string, change: (current: Application) => ApplicationPatch): Promise<Application | null> {
    return atomically(this.db, async (trx) => {
      const row = (await lockForUpdate(trx, trx('applications').where({ id }).first())) as Record<string, unknown> | undefined;
      if (!row) return null;
      const patch = change(toApplication(row));
      const update: Record<string, unknown> = { updated_at: Date.now() };
      if (patch.name !== undefined) update.name = patch.name;
      if (patch.redirectUris !== undefined) update.redirect_uris = toJson(patch.redirectUris);
      if (patch.policy !== undefined) update.policy = toJson(patch.policy);
      await trx('applications').where({ id }).update(update);
      return toApplication({ ...row, ...update });
    });
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db('applications').where({ id }).delete()) > 0;
  }
}
