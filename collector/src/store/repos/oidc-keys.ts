import type { Knex } from 'knex';
import type { OidcKey, OidcKeyUse } from '../../domain/oidc.js';
import { atomically, lockTableForWriters } from '../atomic.js';
import type { OidcKeyRow } from '../rows.js';

const TABLE = 'oidc_keys';

function toKey(row: OidcKeyRow): OidcKey {
  return {
    kid: row.kid,
    use: row.use as OidcKeyUse,
    alg: row.alg,
    publicJwk: row.public_jwk ?? null,
    privateSealed: row.private_sealed,
    createdAt: Number(row.created_at),
    activatesAt: Number(row.activates_at),
  };
}

function toRow(key: OidcKey): OidcKeyRow {
  return {
    kid: key.kid,
    use: key.use,
    alg: key.alg,
    public_jwk: key.publicJwk,
    private_sealed: key.privateSealed,
    created_at: key.createdAt,
    activates_at: key.activatesAt,
  };
}

/** The OpenID Connect provider's signing and cookie keys (private parts sealed by the caller). */
export class OidcKeysRepo {
  constructor(private readonly db: Knex) {}

  async list(): Promise<OidcKey[]> {
    const rows = await this.db<OidcKeyRow>(TABLE).select('kid', 'use', 'alg', 'public_jwk', 'private_sealed', 'created_at', 'activates_at');
    return rows.map(toKey);
  }

  async add(key: OidcKey): Promise<void> {
    await this.db(TABLE).insert(toRow(key));
  }

  /**
   * Adds a signing key and removes every other one, in one transaction that waits for any
   * other writer of the key set (on this collector or another sharing the database): after
   * concurrent emergency rotations exactly one key is left. Returns the removed kids.
   */
  async replaceSigningKeys(key: OidcKey): Promise<string[]> {
    return atomically(this.db, async (trx) => {
      await lockTableForWriters(trx, TABLE);
      const others = (await trx(TABLE).where({ use: 'sig' }).pluck('kid')) as string[];
      await trx(TABLE).insert(toRow(key));
      if (others.length > 0) await trx(TABLE).where({ use: 'sig' }).whereIn('kid', others).delete();
      return others;
    });
  }

  /**
   * Adds a signing key in one transaction that waits for any other writer of the key set. Its
   * times are read from `clock` once the lock is held, not when the (slow) key was made: a
   * rotation that started earlier but commits later must see a key another rotation committed
   * meanwhile as what it is. With `dropStaged` (an immediate rotation) the keys that do not sign
   * at that moment (activating after it: staged, they never signed) are removed. Returns the
   * key with its times and the removed kids.
   */
  async addSigningKey(
    key: Omit<OidcKey, 'createdAt' | 'activatesAt'>,
    { clock, delayMs, dropStaged }: { clock: () => number; delayMs: number; dropStaged: boolean },
  ): Promise<{ key: OidcKey; dropped: string[] }> {
    return atomically(this.db, async (trx) => {
      await lockTableForWriters(trx, TABLE);
      const now = clock();
      const added: OidcKey = { ...key, createdAt: now, activatesAt: now + Math.max(0, delayMs) };
      await trx(TABLE).insert(toRow(added));
      if (!dropStaged) return { key: added, dropped: [] };
      const staged = trx(TABLE).where({ use: 'sig' }).whereNot({ kid: added.kid }).where('activates_at', '>', now);
      const dropped = (await staged.clone().pluck('kid')) as string[];
      if (dropped.length > 0) await trx(TABLE).where({ use: 'sig' }).whereIn('kid', dropped).delete();
      return { key: added, dropped };
    });
  }

  /** Removes keys of one use by kid; returns how many went. */
  async remove(use: OidcKeyUse, kids: string[]): Promise<number> {
    if (kids.length === 0) return 0;
    return this.db(TABLE).where({ use }).whereIn('kid', kids).delete();
  }
}
