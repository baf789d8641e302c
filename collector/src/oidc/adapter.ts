import type { Knex } from 'knex';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { unstorableCharacter } from '@devtrust/shared/identity';

const TABLE = 'oidc_payloads';
/** Expired rows are swept at most this often per process (reads ignore them anyway). */
const SWEEP_EVERY_MS = 10 * 60_000;
const lastSweep = new WeakMap<Knex, number>();

const epoch = (): number => Math.floor(Date.now() / 1000);

/**
 * Codes, tokens and uids come from requests (a form field, a cookie): one with NUL or a lone
 * surrogate was never issued, so it is not found, rather than failing the query on PostgreSQL.
 */
const storable = (value: unknown): boolean => typeof value === 'string' && unstorableCharacter(value) === null;

/**
 * oidc-provider's storage contract (its `example/my_adapter.js`) over one portable table:
 * one row per model instance, keyed by (model, id), with the columns the provider looks
 * rows up by (grant, session uid, user code) beside the JSON payload. Runs unchanged on
 * SQLite and PostgreSQL, so several collectors on one database share sessions and codes.
 */
export class KnexAdapter implements Adapter {
  constructor(
    private readonly db: Knex,
    readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const now = Date.now();
    const row = {
      model: this.model,
      id,
      payload: JSON.stringify(payload),
      grant_id: payload.grantId ?? null,
      uid: payload.uid ?? null,
      user_code: payload.userCode ?? null,
      expires_at: expiresIn ? now + expiresIn * 1000 : null,
      consumed_at: null,
    };
    await this.db(TABLE).insert(row).onConflict(['model', 'id']).merge();
    this.sweep(now);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.findBy({ id });
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findBy({ uid });
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findBy({ user_code: userCode });
  }

  /** Marks a code or token used; the provider refuses (and revokes the grant on) a second use. */
  async consume(id: string): Promise<void> {
    if (!storable(id)) return;
    await this.db(TABLE).where({ model: this.model, id }).update({ consumed_at: epoch() });
  }

  async destroy(id: string): Promise<void> {
    if (!storable(id)) return;
    await this.db(TABLE).where({ model: this.model, id }).delete();
  }

  /** Grants span models: revoking one removes every code and token issued under it. */
  async revokeByGrantId(grantId: string): Promise<void> {
    if (!storable(grantId)) return;
    await this.db(TABLE).where({ grant_id: grantId }).delete();
  }

  private async findBy(where: Record<string, string>): Promise<AdapterPayload | undefined> {
    if (!Object.values(where).every(storable)) return undefined;
    const row = await this.db(TABLE)
      .where({ model: this.model, ...where })
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', Date.now()))
      .first();
    if (!row) return undefined;
    const payload = JSON.parse(row.payload as string) as AdapterPayload;
    const consumed = row.consumed_at as number | null;
    return consumed === null || consumed === undefined ? payload : { ...payload, consumed };
  }

  private sweep(now: number): void {
    if (now - (lastSweep.get(this.db) ?? 0) < SWEEP_EVERY_MS) return;
    lastSweep.set(this.db, now);
    // Housekeeping must never fail or slow the request that triggered it.
    void this.db(TABLE)
      .where('expires_at', '<', now)
      .delete()
      .catch(() => undefined);
  }
}
