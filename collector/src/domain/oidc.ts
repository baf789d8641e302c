/**
 * What the OpenID Connect provider keeps: its models' payloads (sessions, codes, grants…),
 * opaque JSON to everyone but the provider, and its signing and cookie keys.
 */

/** One stored provider model instance, keyed by (model, id). */
export interface OidcPayload {
  model: string;
  id: string;
  payload: Record<string, unknown>;
  /** Lookup keys the provider finds instances by, beside the id. */
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  expiresAt: number | null;
}

/** A stored payload as read back: consumedAt (seconds since the epoch) once used. */
export interface StoredOidcPayload {
  payload: Record<string, unknown>;
  consumedAt: number | null;
}

export type OidcKeyUse = 'sig' | 'cookie';

/** One provider key; the private part sealed with the master key, never stored in clear. */
export interface OidcKey {
  kid: string;
  use: OidcKeyUse;
  alg: string;
  /** The public JWK (JSON text) of a signing key; null for cookie keys. */
  publicJwk: string | null;
  privateSealed: string;
  createdAt: number;
  activatesAt: number;
}
