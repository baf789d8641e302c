import type { Policy } from './policy.js';

/** An application (an OIDC client, or a caller of the transaction API) and its policy overrides. */
export interface Application {
  id: string;
  name: string;
  clientId: string;
  redirectUris: string[];
  /** Overrides of the global policy; absent keys inherit it. */
  policy: Partial<Policy>;
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
}

export interface ApplicationPatch {
  name?: string;
  redirectUris?: string[];
  policy?: Partial<Policy>;
}
