import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { JsonWebKey } from 'node:crypto';
import { seal, unseal } from '@devtrust/shared/crypto';
import type { OidcKey } from '../domain/oidc.js';
import type { OidcKeysRepo } from '../store/repos/oidc-keys.js';
/** A replaced signing key stays in the JWKS this long, well past any ID token it signed. */
export const RETIRED_KEY_KEEP_MS = 30 * 24 * 3600_000;
/**
 * A rotated-in key is published this long before it signs: relying parties cache the
 * JWKS (openid-client refetches at most once a minute), so they learn it first.
 */
export const DEFAULT_KEY_ACTIVATION_DELAY_MS = 10 * 60_000;
const SIGNING_ALG = 'RS256';
/** RSA generation takes 50–500 ms of CPU: in libuv's pool, so sign-ins and reports go on meanwhile. */
const generateRsa = promisify(generateKeyPair);

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

/**
 * Pure: which signing key signs at `now` (the latest already activated), which are next
 * (published, not yet signing) and which are retired, in the order the provider wants.
 */
export function arrangeSigningKeys<T extends { kid: string; activatesAt: number }>(
  rows: T[],
  now: number,
): { row: T; state: KeyInfo['state'] }[] {
  const byActivation = [...rows].sort((a, b) => b.activatesAt - a.activatesAt || (a.kid < b.kid ? -1 : 1));
  const active = byActivation.find((r) => r.activatesAt <= now) ?? byActivation[byActivation.length - 1];
  const state = (r: T): KeyInfo['state'] => (r === active ? 'active' : r.activatesAt > now ? 'next' : 'retired');
  const rank = { active: 0, next: 1, retired: 2 } as const;
  return byActivation.map((row) => ({ row, state: state(row) })).sort((a, b) => rank[a.state] - rank[b.state]);
}

/** What a rotation did: the key it created (as it stands, or as made if already gone) and the key set. */
export interface Rotation {
  created: KeyInfo;
  keys: KeyInfo[];
}

const infoOf = (row: OidcKey, state: KeyInfo['state']): KeyInfo => ({
  kid: row.kid,
  alg: row.alg,
  state,
  createdAt: row.createdAt,
  activatesAt: row.activatesAt,
});

const sealContext = (use: string, kid: string): string => `oidc-${use}-key/${kid}`;

/**
 * The provider's keys, generated on first start and kept in the database (private parts
 * sealed with the collector's master key), so every collector sharing the database signs
 * with the same key and a restart keeps issued tokens verifiable.
 */
export class OidcKeyStore {
  constructor(
    private readonly keys: OidcKeysRepo,
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
      ...(JSON.parse(unseal(this.masterKey, row.privateSealed, sealContext('sig', row.kid))) as JsonWebKey),
      kid: row.kid,
      alg: row.alg,
      use: 'sig' as const,
    }));
    const cookies = rows
      .filter((r) => r.use === 'cookie')
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((r) => unseal(this.masterKey, r.privateSealed, sealContext('cookie', r.kid)));
    return { signing, cookies, version: versionOf(rows, now) };
  }

  /** Whether this store's master key opens the keys the database holds (true when it holds none yet). */
  async masterKeyOpens(): Promise<boolean> {
    const [row] = await this.rows();
    if (!row) return true;
    try {
      unseal(this.masterKey, row.privateSealed, sealContext(row.use, row.kid));
      return true;
    } catch {
      return false;
    }
  }

  /** A cheap fingerprint of the key set as it stands at `now`. */
  async version(now = Date.now()): Promise<string> {
    return versionOf(await this.rows(), now);
  }

  /**
   * Adds a signing key that starts signing after `delayMs` (0: at once, e.g. when the
   * current key may be compromised). Keys replaced more than RETIRED_KEY_KEEP_MS ago go.
   * `requestedAt` is when the rotation was asked for; it takes effect at the later of that and
   * the clock once the key set is locked (the RSA key takes a while, another rotation may commit
   * meanwhile). Returns the key this call created and the key set at that moment.
   */
  async rotate(delayMs = DEFAULT_KEY_ACTIVATION_DELAY_MS, requestedAt = Date.now()): Promise<Rotation> {
    const { key } = await this.keys.addSigningKey(await this.signingKeyMaterial(), {
      clock: () => Math.max(requestedAt, Date.now()),
      delayMs,
      // An immediate rotation is the key meant from now on: a key staged before it (published,
      // not signing yet) would otherwise take over at its activation time and retire this one.
      // It never signed anything, so nothing needs it to verify. Only keys activating after the
      // moment this commits count as staged: a key another immediate rotation committed while
      // this one made its RSA key already signs (a stale "now" read before took it for staged).
      dropStaged: delayMs <= 0,
    });
    const now = key.createdAt;
    // A key retired when its successor activated; drop those whose successor is old news.
    const byActivation = (await this.rows()).filter((r) => r.use === 'sig').sort((a, b) => a.activatesAt - b.activatesAt);
    const stale = byActivation.filter((row, i) => {
      const successor = byActivation[i + 1];
      return successor !== undefined && successor.activatesAt <= now - RETIRED_KEY_KEEP_MS;
    });
    await this.keys.remove(
      'sig',
      stale.map((r) => r.kid),
    );
    const keys = await this.list(now);
    return { created: keys.find((k) => k.kid === key.kid) ?? infoOf(key, 'next'), keys };
  }

  /**
   * Rotates at once and takes every other signing key out of the JWKS, for a key that is
   * (or may be) compromised: ID tokens they signed stop verifying. Returns the withdrawn kids.
   */
  async rotateWithdrawingOthers(now = Date.now()): Promise<Rotation & { withdrawn: string[] }> {
    // The RSA key is made before the repository's transaction: generating it is slow, the lock need not wait.
    const key = await this.signingKey(now, now);
    const withdrawn = await this.keys.replaceSigningKeys(key);
    const keys = await this.list(now);
    // Parallel emergency rotations leave only the last one's key: `created` says which was this one's.
    return { created: keys.find((k) => k.kid === key.kid) ?? infoOf(key, 'retired'), keys, withdrawn };
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
    await this.keys.remove('sig', [kid]);
    return 'withdrawn';
  }

  async list(now = Date.now()): Promise<KeyInfo[]> {
    return arrangeSigningKeys(
      (await this.rows()).filter((r) => r.use === 'sig'),
      now,
    ).map(({ row, state }) => infoOf(row, state));
  }

  private rows(): Promise<OidcKey[]> {
    return this.keys.list();
  }

  private async addSigningKey(activatesAt: number, now = activatesAt): Promise<string> {
    const key = await this.signingKey(activatesAt, now);
    await this.keys.add(key);
    return key.kid;
  }

  /**
   * A new RSA signing key. Generated off the event loop: made on it, eight admins rotating at
   * once held the loop for seconds on a busy host (every sign-in and report waited, and a
   * rotation's own transaction on SQLite's one connection timed out waiting for the loop).
   */
  private async signingKey(activatesAt: number, now: number): Promise<OidcKey> {
    return { ...(await this.signingKeyMaterial()), createdAt: now, activatesAt };
  }

  /** The key without its times (a rotation gives it those once the key set is locked). */
  private async signingKeyMaterial(): Promise<Omit<OidcKey, 'createdAt' | 'activatesAt'>> {
    const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    const kid = `dt-${randomBytes(9).toString('base64url')}`;
    const { n, e, kty } = jwk;
    return {
      kid,
      use: 'sig',
      alg: SIGNING_ALG,
      publicJwk: JSON.stringify({ kty, n, e, kid, alg: SIGNING_ALG, use: 'sig' }),
      privateSealed: seal(this.masterKey, JSON.stringify(jwk), sealContext('sig', kid)),
    };
  }

  private async addCookieKey(now: number): Promise<void> {
    const kid = `ck-${randomBytes(9).toString('base64url')}`;
    await this.keys.add({
      kid,
      use: 'cookie',
      alg: 'HS256',
      publicJwk: null,
      privateSealed: seal(this.masterKey, randomBytes(32).toString('base64url'), sealContext('cookie', kid)),
      createdAt: now,
      activatesAt: now,
    });
  }
}

function versionOf(rows: OidcKey[], now: number): string {
  const signing = arrangeSigningKeys(
    rows.filter((r) => r.use === 'sig'),
    now,
  );
  return `${signing.map(({ row, state }) => `${row.kid}:${state}`).join(',')}|${rows.filter((r) => r.use === 'cookie').length}`;
}
