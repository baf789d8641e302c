/**
 * The administrator actions log: every change made through the admin API, the console or
 * devtrustctl, and the changes the collector makes itself at start-up, with who made it,
 * what it changed (before and after, secrets removed) and from where.
 */

/**
 * Who acted. `api-key`: a request to the admin API (devtrustctl, scripts); `console`: a
 * request from the web console, signed in with an API key; `bootstrap`: start-up set-up
 * from the configuration (DEVTRUST_BOOTSTRAP_TOKEN, DEVTRUST_ENROLLMENT_KEY); `system`: the
 * collector acting on its own, e.g. generating the first-start keys.
 */
export const ADMIN_ACTOR_KINDS = ['api-key', 'console', 'bootstrap', 'system'] as const;
export type AdminActorKind = (typeof ADMIN_ACTOR_KINDS)[number];

export const ADMIN_RESOURCE_TYPES = [
  'integration',
  'application',
  'policy',
  'user',
  'api-key',
  'enrollment-key',
  'endpoint',
  'oidc-key',
  'trusted-endpoints-key',
  // A backup changes nothing, but it copies everything out: who took one is recorded too.
  'backup',
] as const;
export type AdminResourceType = (typeof ADMIN_RESOURCE_TYPES)[number];

/** The longest action name stored (the column holds 64 characters). */
export const MAX_ACTION_LENGTH = 64;

export interface AdminActor {
  kind: AdminActorKind;
  /** The API key that made the request; null for `bootstrap` and `system`. */
  keyId: string | null;
  keyName: string | null;
  /** The client address as the collector sees it (DEVTRUST_TRUST_PROXY decides whose). */
  address: string | null;
  userAgent: string | null;
}

/** What one action changed; `before` and `after` are already stripped of secrets. */
export interface AdminChange {
  resourceType: AdminResourceType;
  resourceId: string | null;
  /** What was done, e.g. `create`, `update`, `delete`, `activate`, `block`, `rotate`. */
  action: string;
  before?: unknown;
  after?: unknown;
}

export interface AdminLogEntry {
  id: number;
  at: number;
  actor: AdminActor;
  resourceType: AdminResourceType;
  resourceId: string | null;
  action: string;
  before: unknown;
  after: unknown;
  /** The top-level fields whose value differs between `before` and `after` (every field of a creation or deletion). */
  changed: string[];
}

/** The top-level fields that differ between two recorded views of a resource. */
export function changedFields(before: unknown, after: unknown): string[] {
  const fields = (value: unknown): Record<string, unknown> =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const a = fields(before);
  const b = fields(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

export interface AdminLogQuery {
  resourceType?: AdminResourceType;
  resourceId?: string;
  action?: string;
  actorKeyId?: string;
  /** Inclusive, ms since the epoch. */
  since?: number;
  /** Exclusive, ms since the epoch. */
  until?: number;
  /** Entries older than this id only (the cursor of the page before). */
  beforeId?: number;
  limit: number;
}

export interface AdminLogPage {
  entries: AdminLogEntry[];
  /** Entries matching the filters, across every page. */
  total: number;
  /** The id the next (older) page starts before; null on the last page. */
  nextBeforeId: number | null;
}

/** Changes the collector makes at start-up because its configuration says so. */
export const BOOTSTRAP_ACTOR: AdminActor = {
  kind: 'bootstrap',
  keyId: null,
  keyName: 'collector configuration',
  address: null,
  userAgent: null,
};

/** Changes the collector makes on its own (the keys it generates at first start). */
export const SYSTEM_ACTOR: AdminActor = { kind: 'system', keyId: null, keyName: 'collector', address: null, userAgent: null };
