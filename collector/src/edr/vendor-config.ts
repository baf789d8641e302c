import { z } from 'zod';
import type { RetryPolicy, VendorClientOptions } from '../sync/http/vendor-client.js';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * A vendor API base URL: https, or plain http on loopback only (a local proxy, tests).
 * Credentials never travel in clear text to another host.
 */
export const vendorBaseUrl = z
  .string()
  .trim()
  .max(500)
  .refine((value) => {
    try {
      const url = new URL(value);
      if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return false;
      return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname));
    } catch {
      return false;
    }
  }, 'must be an https URL without credentials or query (http only for localhost)');

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
