import { z } from 'zod';
import type { Platform } from '@devtrust/shared/identity';
import { badRequest } from '../errors.js';
import type { SourceKind } from '../sync/source.js';
import { validate } from '../validation.js';

/** Options every kind accepts inside `config`, beside the vendor's own fields. */
const COMMON_CONFIG = { matchMacAddresses: z.boolean().optional() };

/**
 * Validates a kind's whole config (strict: unknown fields refused, errors named
 * `config.<field>`) and splits it into the public part and the secret fields.
 */
export function splitConfig(
  kind: SourceKind,
  config: Record<string, unknown>,
): { publicConfig: Record<string, unknown>; secrets: Record<string, string> } {
  const { matchMacAddresses, ...vendorConfig } = config;
  validate(z.strictObject(COMMON_CONFIG), matchMacAddresses === undefined ? {} : { matchMacAddresses });
  let parsed: Record<string, unknown>;
  try {
    parsed = validate(kind.configSchema, vendorConfig) as Record<string, unknown>;
  } catch (error) {
    const field = (error as { field?: string }).field;
    throw badRequest('INVALID_REQUEST', `config.${(error as Error).message}`, field ? `config.${field}` : 'config');
  }
  const publicConfig: Record<string, unknown> = matchMacAddresses === undefined ? {} : { matchMacAddresses };
  const secrets: Record<string, string> = {};
  for (const [field, value] of Object.entries(parsed)) {
    if ((kind.secretFields as readonly string[]).includes(field)) {
      if (value !== undefined) secrets[field] = String(value);
    } else if (value !== undefined) publicConfig[field] = value;
  }
  return { publicConfig, secrets };
}

export function checkPlatforms(kind: SourceKind, requested: Platform[]): void {
  const unsupported = requested.filter((p) => !kind.platforms.includes(p));
  if (unsupported.length > 0) {
    throw badRequest('INVALID_REQUEST', `platforms: ${kind.kind} does not cover ${unsupported.join(', ')}`, 'platforms');
  }
}
