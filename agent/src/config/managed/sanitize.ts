import type { ManagedSettings } from './types.js';

const MANAGED_KEYS = [
  'collectorUrl',
  'enrollmentKey',
  'disallowQuit',
  'supportUrl',
  'trustedEndpointsKey',
  'trustedEndpointIdentifier',
] as const;
/** Longest trusted endpoint identifier or key kept: a longer one could not be reported (LIMITS.maxIdentifierLength). */
const MAX_TRUSTED_ENDPOINT_VALUE = 256;

/** Keeps only known keys of the right type; managed sources are admin-written but still input. */
export function sanitizeManaged(raw: Record<string, unknown>): ManagedSettings {
  const out: ManagedSettings = {};
  for (const key of MANAGED_KEYS) {
    const value = raw[key];
    if (key === 'disallowQuit') {
      if (typeof value === 'boolean') out.disallowQuit = value;
      else if (value === 1 || value === '1' || value === 'true') out.disallowQuit = true;
    } else if (typeof value === 'string' && value.trim() !== '') {
      if (key.startsWith('trustedEndpoint') && value.trim().length > MAX_TRUSTED_ENDPOINT_VALUE) continue;
      out[key] = value.trim();
    }
  }
  return out;
}
