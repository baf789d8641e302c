export const ROLES = ['owner', 'admin', 'app-manager', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

/** An admin API key as everyone but the store sees it: never its hash. */
export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}
