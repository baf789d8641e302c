import { z } from 'zod';
import type { ConfigField } from '../source.js';
import type { RetryPolicy, VendorClientOptions } from './vendor-client.js';

/** What every EDR kind shares beside the rest of the kit: freshness, schedule, lookups. */

export const DEFAULT_EDR_INTERVAL_MINUTES = 5;

/**
 * How old an EDR integration's last successful sync may be before its data no longer
 * counts (minutes). Default: three sync intervals (see edr/freshness.ts).
 */
export const freshnessMinutes = z.number().int().min(1).max(10_080);

/** The fields every EDR kind accepts beside its own. */
export const EDR_COMMON_CONFIG = { freshnessMinutes: freshnessMinutes.optional() };

/** The form entry of `freshnessMinutes`: how long an EDR verdict counts before it is treated as unknown. */
export const freshnessInput: ConfigField = {
  name: 'freshnessMinutes',
  label: 'Status freshness (minutes)',
  type: 'number',
  optional: true,
};

/**
 * An on-demand lookup sits in a user's sign-in: one quick retry at most; when it fails
 * the verdict goes on with the EDR status "unknown" (see edr/assess.ts).
 */
export const LOOKUP_RETRY: RetryPolicy = { attempts: 2, baseDelayMs: 200, maxDelayMs: 1_000, maxRetryAfterMs: 2_000 };
export const LOOKUP_TIMEOUT_MS = 5_000;

/** Client options for the full sync and for lookups, from one set of vendor options. */
export function clientOptions(base: VendorClientOptions): { sync: VendorClientOptions; lookup: VendorClientOptions } {
  return { sync: base, lookup: { ...base, retry: LOOKUP_RETRY, timeoutMs: LOOKUP_TIMEOUT_MS } };
}
