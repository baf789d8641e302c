import type { Knex } from 'knex';
import type { OidcKey, OidcKeyUse } from '../../domain/oidc.js';
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

/** The OpenID Connect provider's signing and cookie keys (private parts sealed by the caller). */
export class OidcKeysRepo {
  constructor(private readonly db: Knex) {}

  async list(): Promise<OidcKey[]> {
    const rows = await this.db<OidcKeyRow>(TABLE).select('kid', 'use', 'alg', 'public_jwk', 'private_sealed', 'created_at', 'activates_at');
    return rows.map(toKey);
  }

  async add(key: OidcKey): Promise<void> {
    const row: OidcKeyRow = {
      kid: key.kid,
      use: key.use,
      alg: key.alg,
      public_jwk: key.publicJwk,
      private_sealed: key.privateSealed,
      created_at: key.createdAt,
      activates_at: key.activatesAt,
    };
    await this.db(TABLE).insert(row);
  }

  /** Removes keys of one use by kid; returns how many went. */
  async remove(use: OidcKeyUse, kids: string[]): Promise<number> {
    if (kids.length === 0) return 0;
    return this.db(TABLE).where({ use }).whereIn('kid', kids).delete();
  }
}
