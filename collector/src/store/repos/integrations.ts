import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Platform } from '@devtrust/shared/identity';
import { fromJson, toJson } from '../json.js';
import { InventoryRepo } from './inventory.js';
import { integrationNameKey, IntegrationNameTaken } from '../../domain/integration.js';
import { isUniqueViolation } from '../db-errors.js';
import type {
  ActivationMode,
  Integration,
  IntegrationCategory,
  IntegrationPatch,
  NewIntegration,
  SyncSchedule,
} from '../../domain/integration.js';
import type { IntegrationRow } from '../rows.js';

const NAME_INDEX = { name: 'integrations_name_key', columns: 'integrations.name_key' };

/** A write that gives a name another integration has: IntegrationNameTaken, from the unique index (so two racing creates cannot both win). */
async function namedWrite<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (name !== undefined && isUniqueViolation(error, NAME_INDEX)) throw new IntegrationNameTaken(name);
    throw error;
  }
}

function toIntegration(row: IntegrationRow): Integration {
  const sealed = fromJson<Record<string, string>>(row.secrets, {});
  return {
    id: row.id,
    kind: row.kind,
    category: row.category as IntegrationCategory,
    name: row.name,
    platforms: fromJson<Platform[]>(row.platforms, []),
    config: fromJson<Record<string, unknown>>(row.config, {}),
    secretFields: Object.keys(sealed).sort(),
    activation: { mode: row.activation_mode as ActivationMode, groups: fromJson<string[]>(row.activation_groups, []) },
    currentGeneration: row.current_generation ?? null,
    syncedAt: row.synced_at ?? null,
    schedule: fromJson<SyncSchedule | null>(row.schedule, null),
    nextSyncAt: row.next_sync_at ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class IntegrationsRepo {
  constructor(private readonly db: Knex) {}

  newId(): string {
    return `int_${randomUUID()}`;
  }

  async create(id: string, input: NewIntegration): Promise<Integration> {
    const now = Date.now();
    await namedWrite(input.name, () =>
      this.db('integrations').insert({
        id,
        kind: input.kind,
        category: input.category,
        name: input.name,
        name_key: integrationNameKey(input.name),
        platforms: toJson(input.platforms),
        config: toJson(input.config),
        secrets: toJson(input.sealedSecrets),
        activation_mode: 'disabled',
        activation_groups: '[]',
        schedule: input.schedule ? toJson(input.schedule) : null,
        next_sync_at: input.nextSyncAt,
        created_at: now,
        updated_at: now,
      }),
    );
    return (await this.get(id)) as Integration;
  }

  async get(id: string): Promise<Integration | null> {
    const row = await this.db<IntegrationRow>('integrations').where({ id }).first();
    return row ? toIntegration(row) : null;
  }

  async list(): Promise<Integration[]> {
    return (await this.db<IntegrationRow>('integrations').orderBy('created_at')).map(toIntegration);
  }

  /** Sealed secrets by field; only the sync engine and the test button read them. */
  async sealedSecrets(id: string): Promise<Record<string, string>> {
    const row = await this.db<IntegrationRow>('integrations').where({ id }).first('secrets');
    return fromJson<Record<string, string>>(row?.secrets, {});
  }

  /** The sealed trusted endpoints configuration key and when it was made; null when none yet. */
  async trustedEndpointsKey(id: string): Promise<{ sealed: string; createdAt: number } | null> {
    const row = await this.db<IntegrationRow>('integrations').where({ id }).first('trusted_endpoints_key', 'trusted_endpoints_key_at');
    if (!row?.trusted_endpoints_key) return null;
    return { sealed: row.trusted_endpoints_key, createdAt: Number(row.trusted_endpoints_key_at ?? 0) };
  }

  /**
   * Stores a configuration key. `onlyIfNone`: the first one only, so two nodes showing the
   * page at once agree on one key (the loser reads the winner's). Returns whether it wrote.
   */
  async setTrustedEndpointsKey(id: string, sealed: string, at: number, options: { onlyIfNone: boolean }): Promise<boolean> {
    let q = this.db('integrations').where({ id });
    if (options.onlyIfNone) q = q.whereNull('trusted_endpoints_key');
    return (await q.update({ trusted_endpoints_key: sealed, trusted_endpoints_key_at: at, updated_at: at })) > 0;
  }

  async update(id: string, patch: IntegrationPatch): Promise<Integration | null> {
    const row: Partial<IntegrationRow> = { updated_at: Date.now() };
    if (patch.name !== undefined) {
      row.name = patch.name;
      row.name_key = integrationNameKey(patch.name);
    }
    if (patch.platforms !== undefined) row.platforms = toJson(patch.platforms);
    if (patch.config !== undefined) row.config = toJson(patch.config);
    if (patch.sealedSecrets !== undefined) row.secrets = toJson(patch.sealedSecrets);
    if (patch.schedule !== undefined) row.schedule = patch.schedule ? toJson(patch.schedule) : null;
    if (patch.nextSyncAt !== undefined) row.next_sync_at = patch.nextSyncAt;
    const n = await namedWrite(patch.name, () => this.db('integrations').where({ id }).update(row));
    return n > 0 ? this.get(id) : null;
  }

  async setActivation(id: string, mode: ActivationMode, groups: string[]): Promise<Integration | null> {
    const n = await this.db('integrations')
      .where({ id })
      .update({ activation_mode: mode, activation_groups: toJson(groups), updated_at: Date.now() });
    return n > 0 ? this.get(id) : null;
  }

  /**
   * Deletes an integration. Its inventory disappears from verdicts at once (no current
   * generation), then is deleted in short statements, so a large inventory never holds
   * the database in one long transaction.
   */
  async delete(id: string): Promise<boolean> {
    if ((await this.db('integrations').where({ id }).update({ current_generation: null })) === 0) return false;
    await new InventoryRepo(this.db).purgeAll(id);
    return this.db.transaction(async (trx) => {
      await trx('sync_runs').where({ integration_id: id }).delete();
      return (await trx('integrations').where({ id }).delete()) > 0;
    });
  }

  /**
   * Takes the per-integration sync lease. The conditional update is atomic on both
   * databases, so at most one collector process runs a given integration's sync.
   */
  async acquireLease(id: string, owner: string, until: number, now: number): Promise<boolean> {
    const n = await this.db('integrations')
      .where({ id })
      .andWhere((w) => w.whereNull('lock_until').orWhere('lock_until', '<', now).orWhere('lock_owner', owner))
      .update({ lock_owner: owner, lock_until: until });
    return n > 0;
  }

  async renewLease(id: string, owner: string, until: number): Promise<boolean> {
    return (await this.db('integrations').where({ id, lock_owner: owner }).update({ lock_until: until })) > 0;
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.db('integrations').where({ id, lock_owner: owner }).update({ lock_owner: null, lock_until: null });
  }

  /** Every sync lease held now (by a live process or not). */
  async heldLeases(): Promise<{ id: string; owner: string }[]> {
    const rows = await this.db('integrations').whereNotNull('lock_owner').select('id', 'lock_owner');
    return rows.map((r: { id: string; lock_owner: string }) => ({ id: r.id, owner: r.lock_owner }));
  }

  /** Whether a live process holds the integration's sync lease. */
  async leaseHeld(id: string, now: number): Promise<boolean> {
    const row = await this.db('integrations').where({ id }).first('lock_owner', 'lock_until');
    return Boolean(row?.lock_owner) && Number(row?.lock_until ?? 0) >= now;
  }

  async dueForSync(now: number): Promise<Integration[]> {
    return (await this.db<IntegrationRow>('integrations').whereNotNull('next_sync_at').andWhere('next_sync_at', '<=', now)).map(
      toIntegration,
    );
  }
}
