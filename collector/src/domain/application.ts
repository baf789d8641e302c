import type { Policy } from './policy.js';

/**
 * How much of a verdict's reasons the application (ID token, transaction API) and its users
 * (the denial page) see. summary: one short reason naming no integration, device or
 * identifier, and a reference (the transaction id) an admin looks up in the auth log.
 * full: every reason, as admins see them.
 */
export const REASON_DETAILS = ['summary', 'full'] as const;
export type ReasonDetail = (typeof REASON_DETAILS)[number];

/** An application (an OIDC client, or a caller of the transaction API) and its policy overrides. */
export interface Application {
  id: string;
  name: string;
  clientId: string;
  redirectUris: string[];
  /** Overrides of the global policy; absent keys inherit it. */
  policy: Partial<Policy>;
  reasonDetail: ReasonDetail;
  createdAt: number;
  updatedAt: number;
}

/** An application with its client secret's hash and sealed copy, for the services that check or unseal it. */
export interface ApplicationCredentials extends Application {
  secretHash: string;
  secretSealed: string;
}

export interface NewApplication {
  name: string;
  clientId: string;
  secretHash: string;
  secretSealed: string;
  redirectUris: string[];
  policy: Partial<Policy>;
  reasonDetail: ReasonDetail;
}

export interface ApplicationPatch {
  name?: string;
  redirectUris?: string[];
  policy?: Partial<Policy>;
  reasonDetail?: ReasonDetail;
}
