import { z } from 'zod';
import { unsafeCharacter, type Platform } from '@devtrust/shared/identity';
import { badRequest } from '../errors.js';
import { timeoutsSchema } from '../sync/kit/timeouts.js';
import type { SourceKind } from '../sync/source.js';
import { validate } from '../validation.js';

/**
 * Options every kind accepts inside `config`, beside the vendor's own fields. `maxInventoryDropPercent`:
 * the share of the last good inventory one vendor sync may remove before it is refused (sync/shrink-guard.ts).
 */
const COMMON_CONFIG = {
  matchMacAddresses: z.boolean().optional(),
  timeouts: timeoutsSchema.optional(),
  maxInventoryDropPercent: z.number().int().min(1).max(100).optional(),
};
const COMMON_FIELDS = Object.keys(COMMON_CONFIG);

/**
 * Validates a kind's whole config (strict: unknown fields refused, errors named
 * `config.<field>`) and splits it into the public part and the secret fields.
 */
export function splitConfig(
  kind: SourceKind,
  config: Record<string, unknown>,
): { publicConfig: Record<string, unknown>; secrets: Record<string, string> } {
  const common = Object.fromEntries(
    Object.entries(config).filter(([field, value]) => COMMON_FIELDS.includes(field) && value !== undefined),
  );
  const vendorConfig = Object.fromEntries(Object.entries(config).filter(([field]) => !COMMON_FIELDS.includes(field)));
  try {
    validate(z.strictObject(COMMON_CONFIG), common);
  } catch (error) {
    const field = (error as { field?: string }).field;
    throw badRequest('INVALID_REQUEST', `config.${(error as Error).message}`, field ? `config.${field}` : 'config');
  }
  // Uploaded inventories are the admin's own files: only vendor syncs have a drop limit.
  if (common.maxInventoryDropPercent !== undefined && !kind.capabilities.sync)
    throw badRequest(
      'INVALID_REQUEST',
      `config.maxInventoryDropPercent: a ${kind.kind} inventory is uploaded, not synced, so it has no drop limit`,
      'config.maxInventoryDropPercent',
    );
  let parsed: Record<string, unknown>;
  try {
    parsed = validate(kind.configSchema, vendorConfig) as Record<string, unknown>;
  } catch (error) {
    const field = (error as { field?: string }).field;
    throw badRequest('INVALID_REQUEST', `config.${(error as Error).message}`, field ? `config.${field}` : 'config');
  }
  const publicConfig: Record<string, unknown> = { ...common };
  const secrets: Record<string, string> = {};
  for (const [field, value] of Object.entries(parsed)) {
    if ((kind.secretFields as readonly string[]).includes(field)) {
      if (value !== undefined) secrets[field] = String(value);
    } else if (value !== undefined) publicConfig[field] = value;
  }
  refuseUnsafePublicText(publicConfig);
  return { publicConfig, secrets };
}

export function checkPlatforms(kind: SourceKind, requested: Platform[]): void {
  const unsupported = requested.filter((p) => !kind.platforms.includes(p));
  if (unsupported.length > 0) {
    throw badRequest('INVALID_REQUEST', `platforms: ${kind.kind} does not cover ${unsupported.join(', ')}`, 'platforms');
  }
}

/**
 * The host-bearing fields a PATCH changes (a value set, changed or cleared back to the
 * default host). Stored credentials must never follow such a change on their own.
 */
export function changedHostFields(kind: SourceKind, stored: Record<string, unknown>, patch: Record<string, unknown>): string[] {
  return kind.hostFields.filter((field) => field in patch && (patch[field] ?? null) !== (stored[field] ?? null));
}

/**
 * Refuses a host change that does not carry every secret the integration will use: the
 * admin re-enters them, proving they know them, instead of redirecting stored ones.
 */
export function requireSecretsWithHostChange(hostFields: string[], secretFields: string[], patch: Record<string, unknown>): void {
  if (hostFields.length === 0) return;
  const missing = secretFields.filter((field) => typeof patch[field] !== 'string' || patch[field] === '');
  if (missing.length === 0) return;
  const names = (fields: string[]) => fields.map((f) => `config.${f}`).join(', ');
  throw badRequest(
    'CREDENTIALS_REQUIRED',
    `changing ${names(hostFields)} sends the credentials to another host: give ${names(missing)} again in the same request`,
    `config.${missing[0]}`,
  );
}

/**
 * The public config is shown to every admin (the console's integration form, devtrustctl): its
 * text must be display text. Each kind's schema checks its own fields (kit/config-fields.ts);
 * this holds a kind whose schema forgets one to the same rule.
 */
function refuseUnsafePublicText(publicConfig: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(publicConfig)) {
    const found = typeof value === 'string' ? unsafeCharacter(value) : null;
    if (found)
      throw badRequest(
        'INVALID_REQUEST',
        `config.${field}: must not contain control or bidirectional characters (found ${found})`,
        `config.${field}`,
      );
  }
}
