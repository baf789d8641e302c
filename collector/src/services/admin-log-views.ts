import { z } from 'zod';
import type { AdminResourceType } from '../domain/admin-log.js';

/**
 * What the admin log keeps of each kind of resource, by schema: each is a list of the fields
 * that may be recorded, and everything else is dropped (zod objects strip unknown keys). A
 * secret therefore never reaches the log by being forgotten: an application's client secret,
 * hash and sealed copy, an integration's vendor credentials (only the names of the fields
 * that are set), an API key's value and hash and the enrollment key are not listed.
 */
const field = z.unknown().optional();

export const ADMIN_LOG_VIEWS: Record<AdminResourceType, z.ZodType> = {
  integration: z.object({
    id: field,
    kind: field,
    name: field,
    platforms: field,
    // The public configuration only: secret fields are sealed apart (domain/integration.ts).
    config: field,
    secretFields: field,
    // An update names the secret fields it gave a new value (never the values), when there are any.
    secretsGiven: field,
    activation: field,
    schedule: field,
    // Sync and upload actions record their run; an upload also the file's rows. `allowEmpty`:
    // the upload, or the sync, was confirmed as allowed to empty (a sync: or shrink) the inventory.
    rows: field,
    allowEmpty: field,
    // The fewest devices a confirmed sync was allowed to keep (`minDevices`).
    minDevices: field,
    syncId: field,
    status: field,
    devices: field,
  }),
  application: z.object({ id: field, name: field, clientId: field, redirectUris: field, policy: field, reasonDetail: field }),
  policy: z.record(z.string(), field),
  user: z.object({ username: field, groups: field }),
  'api-key': z.object({ id: field, name: field, role: field, revokedAt: field }),
  // The key itself is never recorded: only where it came from.
  'enrollment-key': z.object({ source: field }),
  endpoint: z.object({
    id: field,
    hostname: field,
    platform: field,
    blocked: field,
    approval: field,
    releasedAt: field,
    keyKind: field,
    // What a release or a forget did: identifiers given up, waiters freed or still pending (admin-log-releases.ts).
    release: field,
    forget: field,
  }),
  'oidc-key': z.object({ active: field, next: field, immediate: field, withdrawn: field }),
  // The key itself is never recorded: only which integration's, and since when.
  'trusted-endpoints-key': z.object({ integrationId: field, createdAt: field }),
  backup: z.object({ takenAt: field, bytes: field, sha256: field, schema: field, masterKeyCheck: field }),
};

/**
 * Tokens DevTrust issues (API keys `dtk_`, client secrets `dts_`, enrollment keys `dte_`):
 * a second line of defence behind the schemas, for a secret that lands in a listed field.
 */
const ISSUED_TOKEN = /\b(?:dtk|dts|dte)_[A-Za-z0-9_-]{16,}/g;

function withoutTokens(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(ISSUED_TOKEN, '[removed]');
  if (Array.isArray(value)) return value.map(withoutTokens);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutTokens(v)]));
  }
  return value;
}

/** A resource as the admin log records it; null for none (before a create, after a delete). */
export function adminLogView(type: AdminResourceType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const parsed = ADMIN_LOG_VIEWS[type].safeParse(value);
  // A value that is not the resource's shape is not recorded rather than recorded whole.
  if (!parsed.success) return null;
  return withoutTokens(JSON.parse(JSON.stringify(parsed.data)));
}
