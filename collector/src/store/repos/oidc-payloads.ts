import type { Knex } from 'knex';
import type { OidcPayload, StoredOidcPayload } from '../../domain/oidc.js';
import type { OidcPayloadRow } from '../rows.js';

const TABLE = 'oidc_payloads';
/** Expired rows are swept at most this often per process (reads ignore them anyway). */
const SWEEP_EVERY_MS = 10 * 60_000;

const isUniqueViolation = (error: unknown): boolean => {
  const { code, errno } = error as { code?: string; errno?: number };
  return code === '23505' || code === 'SQLITE_CONSTRAINT' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || errno === 19;
};

const epochSeconds = (): number => Math.floor(Date.now() / 1000);

/** The lookup keys a payload is found by, beside its id. */
export type OidcPayloadKey = { id: string } | { uid: string } | { userCode: string };

/**
 * The OpenID Connect provider's models in one portable table: one row per instance, keyed
 * by (model, id), with the columns the provider looks rows up by (grant, session uid, user
 * code) beside the JSON payload. Runs unchanged on SQLite and PostgreSQL, so several
 * collectors on one database share sessions and codes.
 */
export class OidcPayloadsRepo {
  private lastSweep = 0;

  constructor(private readonly db: Knex) {}

  /**
   * Records (model, id) once until `expiresAt`: false when it is already recorded and not
   * expired. The primary key decides, so two collectors racing on one database cannot both win.
   */
  async recordOnce(model: string, id: string, expiresAt: number): Promise<boolean> {
    await this.db(TABLE).where({ model, id }).andWhere('expires_at', '<', Date.now()).delete();
    try {
      await this.db(TABLE).insert({ model, id, payload: '{}', expires_at: expiresAt });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async upsert(entry: OidcPayload): Promise<void> {
    const row: OidcPayloadRow = {
      model: entry.model,
      id: entry.id,
      payload: JSON.stringify(entry.payload),
      grant_id: entry.grantId,
      uid: entry.uid,
      user_code: entry.userCode,
      expires_at: entry.expiresAt,
      consumed_at: null,
    };
    await this.db(TABLE).insert(row).onConflict(['model', 'id']).merge();
    this.sweep(Date.now());
  }

  /** The unexpired payload of one model found by id, session uid or user code. */
  async find(model: string, key: OidcPayloadKey): Promise<StoredOidcPayload | null> {
    const where: Partial<OidcPayloadRow> = 'id' in key ? { id: key.id } : 'uid' in key ? { uid: key.uid } : { user_code: key.userCode };
    const row = await this.db<OidcPayloadRow>(TABLE)
      .where({ model, ...where })
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', Date.now()))
      .first();
    if (!row) return null;
    return { payload: JSON.parse(row.payload) as Record<string, unknown>, consumedAt: row.consumed_at ?? null };
  }

  /** Marks a code or token used (seconds since the epoch, as the provider reads it). */
  async consume(model: string, id: string): Promise<void> {
    await this.db(TABLE).where({ model, id }).update({ consumed_at: epochSeconds() });
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.db(TABLE).where({ model, id }).delete();
  }

  /** Grants span models: revoking one removes every code and token issued under it. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db(TABLE).where({ grant_id: grantId }).delete();
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    // Housekeeping must never fail or slow the request that triggered it.
    void this.db(TABLE)
      .where('expires_at', '<', now)
      .delete()
      .catch(() => undefined);
  }
}
