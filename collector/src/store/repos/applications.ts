import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { atomically, lockForUpdate } from '../atomic.js';
import { isUniqueViolation } from '../db-errors.js';
import { fromJson, toJson } from '../json.js';
import { applicationNameKey, ApplicationNameTaken, type LookAlikeApplication } from '../../domain/application-name.js';
import type { Application, ApplicationCredentials, ApplicationPatch, NewApplication, ReasonDetail } from '../../domain/application.js';
import type { Policy } from '../../domain/policy.js';
import type { ApplicationRow } from '../rows.js';
import { keyApplicationNames, lookAlikeApplications, NAME_INDEX } from '../application-names.js';

/**
 * A write giving an application a name that reads as another's: ApplicationNameTaken, from the
 * unique index (so of two racing creates one wins). The other application is not named here: on
 * PostgreSQL the refused statement aborted the transaction, so the service looks it up after.
 */
async function namedWrite<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (name !== undefined && isUniqueViolation(error, NAME_INDEX)) throw new ApplicationNameTaken(name, null);
    throw error;
  }
}

/** The key of a name about to be stored; a name reading as nothing is refused before (services/applications.ts). */
function keyOf(name: string): string {
  const key = applicationNameKey(name);
  if (key === null) throw new Error(`an application name must read as something (got ${JSON.stringify(name)})`);
  return key;
}

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
      name_key: keyOf(input.name),
      created_at: now,
      updated_at: now,
    };
    await namedWrite(input.name, () => this.db('applications').insert(row));
    return toApplication(row);
  }

  async get(id: string): Promise<Application | null> {
    const row = await this.db<ApplicationRow>('applications').where({ id }).first();
    return row ? toApplication(row) : null;
  }

  /** The application holding this name key (the one whose name another reads as), or null. */
  async byNameKey(key: string): Promise<Application | null> {
    const row = await this.db<ApplicationRow>('applications').where({ name_key: key }).first();
    return row ? toApplication(row) : null;
  }

  /** Keys every application's name, the oldest of look-alikes first; the later look-alikes (store/application-names.ts). */
  keyNames(): Promise<LookAlikeApplication[]> {
    return keyApplicationNames(this.db);
  }

  /** The applications whose names read as an older one's, without writing. */
  lookAlikes(): Promise<LookAlikeApplication[]> {
    return lookAlikeApplications(this.db);
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
      if (patch.name !== undefined) {
        update.name = patch.name;
        update.name_key = keyOf(patch.name);
      }
      if (patch.redirectUris !== undefined) update.redirect_uris = toJson(patch.redirectUris);
      if (patch.policy !== undefined) update.policy = toJson(patch.policy);
      if (patch.reasonDetail !== undefined) update.reason_detail = patch.reasonDetail;
      await namedWrite(patch.name, () => trx('applications').where({ id }).update(update));
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
