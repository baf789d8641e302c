import { MDM_DEVICE_ID_PATTERN } from '@devtrust/shared/identity/mdm-device-id';
import type { ManagedSettings } from './types.js';

const MANAGED_KEYS = [
  'collectorUrl',
  'enrollmentKey',
  'disallowQuit',
  'supportUrl',
  'trustedEndpointsKey',
  'trustedEndpointIdentifier',
] as const;
/**
 * Trusted endpoint values the collector would refuse (a report carrying them is closed with
 * 4400) are dropped here, so a mistyped MDM value costs the asserted level, never the session.
 */
const TRUSTED_ENDPOINT_VALUE = MDM_DEVICE_ID_PATTERN;

/** Keeps only known keys of the right type; managed sources are admin-written but still input. */
export function sanitizeManaged(raw: Record<string, unknown>): ManagedSettings {
  const out: ManagedSettings = {};
  for (const key of MANAGED_KEYS) {
    const value = raw[key];
    if (key === 'disallowQuit') {
      if (typeof value === 'boolean') out.disallowQuit = value;
      else if (value === 1 || value === '1' || value === 'true') out.disallowQuit = true;
    } else if (typeof value === 'string' && value.trim() !== '') {
      if (key.startsWith('trustedEndpoint') && !TRUSTED_ENDPOINT_VALUE.test(value.trim())) continue;
      out[key] = value.trim();
    }
  }
  return out;
}
