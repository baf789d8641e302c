import { z } from 'zod';
import { vendorUrl } from '../sync/http/source-kit.js';
import type { RetryPolicy, VendorClientOptions } from '../sync/http/vendor-client.js';

/** A vendor API base URL: the same rule as every vendor URL (see source-kit.ts). */
export const vendorBaseUrl = vendorUrl;

/**
 * How old an EDR integration's last successful sync may be before its data no longer
 * counts (minutes). Default: three sync intervals (see edr/freshness.ts).
 */
export const freshnessMinutes = z.number().int().min(1).max(10_080);

/** The fields every EDR kind accepts beside its own. */
export const EDR_COMMON_CONFIG = { freshnessMinutes: freshnessMinutes.optional() };

export const DEFAULT_EDR_INTERVAL_MINUTES = 5;

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

/** What the sync engine gives a kind's `create`. */
export interface SourceDeps {
  fetch?: typeof fetch;
}
