import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { atomically, lockForUpdate } from '../atomic.js';
import { fromJson, toJson } from '../json.js';
import type { Application, ApplicationCredentials, ApplicationPatch, NewApplication, ReasonDetail } from '../../domain/application.js';
import type { Policy } from '../../domain/policy.js';
import type { ApplicationRow } from '../rows.js';

function toApplication(row: ApplicationRow): Application {
  return {
    id: row.id,
    name: row.name,
    clientId: row.client_id,
    redirectUris: fromJson<string[]>(row.redirect_uris, []),
    policy: fromJson<Partial<Policy>>(row.policy, {}),
    // Anything but "full" shows the summary: the narrower answer when in doubt.
    reasonDetail: (row.reason_detail === 'full' ? 'full' : 'summary') satisfies ReasonDetail,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class ApplicationsRepo {
  constructor(private readonly db: Knex) {}

  async create(input: NewApplication): Promise<Application> {
    const now = Date.now();
    const row: ApplicationRow = {
      id: `app_${randomUUID()}`,
      name: input.name,
      client_id: input.clientId,
      client_secret_hash: input.secretHash,
      client_secret_sealed: input.secretSealed,
      redirect_uris: toJson(input.redirectUris),
      policy: toJson(input.policy),
      reason_detail: input.reasonDetail,
      created_at: now,
      updated_at: now,
    };
    await this.db('applications').insert(row);
    return toApplication(row);
  }

  async get(id: string): Promise<Application | null> {
    const row = await this.db<ApplicationRow>('applications').where({ id }).first();
    return row ? toApplication(row) : null;
  }

  async byClientId(clientId: string): Promise<ApplicationCredentials | null> {
    const row = await this.db<ApplicationRow>('applications').where({ client_id: clientId }).first();
    return row ? { ...toApplication(row), secretHash: row.client_secret_hash, secretSealed: row.client_secret_sealed } : null;
  }

  /** Every application's client ID (the applications are few: one per protected app). */
  async clientIds(): Promise<string[]> {
    return (await this.db('applications').select('client_id')).map((row: { client_id: string }) => row.client_id);
  }

  async list(): Promise<Application[]> {
    return (await this.db<ApplicationRow>('applications').orderBy('created_at')).map(toApplication);
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
      const row = (await lockForUpdate(trx, trx('applications').where({ id }).first())) as ApplicationRow | undefined;
      if (!row) return null;
      const patch = change(toApplication(row));
      const update: Partial<ApplicationRow> = { updated_at: Date.now() };
      if (patch.name !== undefined) update.name = patch.name;
      if (patch.redirectUris !== undefined) update.redirect_uris = toJson(patch.redirectUris);
      if (patch.policy !== undefined) update.policy = toJson(patch.policy);
      if (patch.reasonDetail !== undefined) update.reason_detail = patch.reasonDetail;
      await trx('applications').where({ id }).update(update);
      return toApplication({ ...row, ...update });
    });
  }

  /** The application with its secret's hash and sealed copy, by id. */
  async credentials(id: string): Promise<ApplicationCredentials | null> {
    const row = await this.db<ApplicationRow>('applications').where({ id }).first();
    return row ? { ...toApplication(row), secretHash: row.client_secret_hash, secretSealed: row.client_secret_sealed } : null;
  }

  /**
   * Replaces the client secret if it is still the one read before (`expectedHash`): of two
   * rotations at once, one wins and the other learns it (false), rather than both being told
   * of a secret only one of them holds.
   */
  async replaceSecret(id: string, expectedHash: string, secretHash: string, secretSealed: string): Promise<boolean> {
    const n = await this.db('applications')
      .where({ id, client_secret_hash: expectedHash })
      .update({ client_secret_hash: secretHash, client_secret_sealed: secretSealed, updated_at: Date.now() });
    return n > 0;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db('applications').where({ id }).delete()) > 0;
  }
}
