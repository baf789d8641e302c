import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import type { Knex } from 'knex';
import { seal, unseal } from '@devtrust/shared/crypto';

const TABLE = 'oidc_keys';
/** A replaced signing key stays in the JWKS this long, well past any ID token it signed. */
export const RETIRED_KEY_KEEP_MS = 30 * 24 * 3600_000;
/**
 * A rotated-in key is published this long before it signs: relying parties cache the
 * JWKS (openid-client refetches at most once a minute), so they learn it first.
 */
export const DEFAULT_KEY_ACTIVATION_DELAY_MS = 10 * 60_000;
const SIGNING_ALG = 'RS256';

export type SigningJwk = JsonWebKey & { kid: string; alg: string; use: 'sig' };

export interface ProviderKeys {
  /** Private JWKs: the signing key first, then next and retired keys (verification only). */
  signing: SigningJwk[];
  /** Cookie signing keys, newest first (Keygrip signs with the first, verifies with all). */
  cookies: string[];
  /** Changes when a key is added or another key starts signing: providers rebuild then. */
  version: string;
}

export interface KeyInfo {
  kid: string;
  alg: string;
  state: 'active' | 'next' | 'retired';
  /** Milliseconds since the epoch, like every time the admin API answers. */
  createdAt: number;
  activatesAt: number;
}

interface KeyRow {
  kid: string;
  use: 'sig' | 'cookie';
  alg: string;
  private_sealed: string;
  created_at: number;
  activates_at: number;
}

/**
 * Pure: which signing key signs at `now` (the latest already activated), which are next
 * (published, not yet signing) and which are retired, in the order the provider wants.
 */
export function arrangeSigningKeys<T extends { kid: string; activates_at: number }>(
  rows: T[],
  now: number,
): { row: T; state: KeyInfo['state'] }[] {
  const byActivation = [...rows].sort((a, b) => b.activates_at - a.activates_at || (a.kid < b.kid ? -1 : 1));
  const active = byActivation.find((r) => r.activates_at <= now) ?? byActivation[byActivation.length - 1];
  const state = (r: T): KeyInfo['state'] => (r === active ? 'active' : r.activates_at > now ? 'next' : 'retired');
  const rank = { active: 0, next: 1, retired: 2 } as const;
  return byActivation.map((row) => ({ row, state: state(row) })).sort((a, b) => rank[a.state] - rank[b.state]);
}

const sealContext = (use: string, kid: string): string => `oidc-${use}-key/${kid}`;

/**
 * The provider's keys, generated on first start and kept in the database (private parts
 * sealed with the collector's master key), so every collector sharing the database signs
 * with the same key and a restart keeps issued tokens verifiable.
 */
export class OidcKeyStore {
  constructor(
    private readonly db: Knex,
    private readonly masterKey: Buffer,
  ) {}

  async load(now = Date.now()): Promise<ProviderKeys> {
    let rows = await this.rows();
    if (!rows.some((r) => r.use === 'sig')) await this.addSigningKey(now);
    if (!rows.some((r) => r.use === 'cookie')) await this.addCookieKey(now);
    rows = await this.rows();
    const signing = arrangeSigningKeys(
      rows.filter((r) => r.use === 'sig'),
      now,
    ).map(({ row }) => ({
      ...(JSON.parse(unseal(this.masterKey, row.private_sealed, sealContext('sig', row.kid))) as JsonWebKey),
      kid: row.kid,
      alg: row.alg,
      use: 'sig' as const,
    }));
    const cookies = rows
      .filter((r) => r.use === 'cookie')
      .sort((a, b) => b.created_at - a.created_at)
      .map((r) => unseal(this.masterKey, r.private_sealed, sealContext('cookie', r.kid)));
    return { signing, cookies, version: versionOf(rows, now) };
  }

  /** A cheap fingerprint of the key set as it stands at `now`. */
  async version(now = Date.now()): Promise<string> {
    return versionOf(await this.rows(), now);
  }

  /**
   * Adds a signing key that starts signing after `delayMs` (0: at once, e.g. when the
   * current key may be compromised). Keys replaced more than RETIRED_KEY_KEEP_MS ago go.
   */
  async rotate(delayMs = DEFAULT_KEY_ACTIVATION_DELAY_MS, now = Date.now()): Promise<KeyInfo[]> {
    await this.addSigningKey(now + Math.max(0, delayMs), now);
    const arranged = arrangeSigningKeys(
      (await this.rows()).filter((r) => r.use === 'sig'),
      now,
    );
    // A key retired when its successor activated; drop those whose successor is old news.
    const byActivation = arranged.map((a) => a.row).sort((a, b) => a.activates_at - b.activates_at);
    const stale = byActivation.filter((row, i) => {
      const successor = byActivation[i + 1];
      return successor !== undefined && successor.activates_at <= now - RETIRED_KEY_KEEP_MS;
    });
    if (stale.length > 0)
      await this.db(TABLE)
        .whereIn(
          'kid',
          stale.map((r) => r.kid),
        )
        .delete();
    return this.list(now);
  }

  /**
   * Rotates at once and takes every other signing key out of the JWKS, for a key that is
   * (or may be) compromised: ID tokens they signed stop verifying. Returns the withdrawn kids.
   */
  async rotateWithdrawingOthers(now = Date.now()): Promise<{ keys: KeyInfo[]; withdrawn: string[] }> {
    const before = (await this.rows()).filter((r) => r.use === 'sig').map((r) => r.kid);
    const kid = await this.addSigningKey(now, now);
    const withdrawn = before.filter((k) => k !== kid);
    if (withdrawn.length > 0) await this.db(TABLE).where({ use: 'sig' }).whereIn('kid', withdrawn).delete();
    return { keys: await this.list(now), withdrawn };
  }

  /**
   * Takes one signing key out of the JWKS. The key signing now is refused (and with it the
   * only key): rotate first, so something signs.
   */
  async withdraw(kid: string, now = Date.now()): Promise<'withdrawn' | 'unknown' | 'signing'> {
    const arranged = arrangeSigningKeys(
      (await this.rows()).filter((r) => r.use === 'sig'),
      now,
    );
    const found = arranged.find((a) => a.row.kid === kid);
    if (!found) return 'unknown';
    if (found.state === 'active') return 'signing';
    await this.db(TABLE).where({ use: 'sig', kid }).delete();
    return 'withdrawn';
  }

  async list(now = Date.now()): Promise<KeyInfo[]> {
    return arrangeSigningKeys(
      (await this.rows()).filter((r) => r.use === 'sig'),
      now,
    ).map(({ row, state }) => ({
      kid: row.kid,
      alg: row.alg,
      state,
      createdAt: Number(row.created_at),
      activatesAt: Number(row.activates_at),
    }));
  }

  private async rows(): Promise<KeyRow[]> {
    const rows = (await this.db(TABLE).select('kid', 'use', 'alg', 'private_sealed', 'created_at', 'activates_at')) as KeyRow[];
    return rows.map((r) => ({ ...r, created_at: Number(r.created_at), activates_at: Number(r.activates_at) }));
  }

  private async addSigningKey(activatesAt: number, now = activatesAt): Promise<string> {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    const kid = `dt-${randomBytes(9).toString('base64url')}`;
    const { n, e, kty } = jwk;
    await this.db(TABLE).insert({
      kid,
      use: 'sig',
      alg: SIGNING_ALG,
      public_jwk: JSON.stringify({ kty, n, e, kid, alg: SIGNING_ALG, use: 'sig' }),
      private_sealed: seal(this.masterKey, JSON.stringify(jwk), sealContext('sig', kid)),
      created_at: now,
      activates_at: activatesAt,
    });
    return kid;
  }

  private async addCookieKey(now: number): Promise<void> {
    const kid = `ck-${randomBytes(9).toString('base64url')}`;
    await this.db(TABLE).insert({
      kid,
      use: 'cookie',
      alg: 'HS256',
      public_jwk: null,
      private_sealed: seal(this.masterKey, randomBytes(32).toString('base64url'), sealContext('cookie', kid)),
      created_at: now,
      activates_at: now,
    });
  }
}

function versionOf(rows: KeyRow[], now: number): string {
  const signing = arrangeSigningKeys(
    rows.filter((r) => r.use === 'sig'),
    now,
  );
  return `${signing.map(({ row, state }) => `${row.kid}:${state}`).join(',')}|${rows.filter((r) => r.use === 'cookie').length}`;
}
