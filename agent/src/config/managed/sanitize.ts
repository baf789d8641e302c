import { MDM_DEVICE_ID_PATTERN } from '@devtrust/shared/identity/mdm-device-id';
import { splitUrlList } from '../collector-url.js';
import type { ManagedSettings } from './types.js';

const MANAGED_KEYS = [
  'collectorUrl',
  'previousCollectorUrls',
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

/**
 * A list of URLs as a profile (array), the registry (REG_MULTI_SZ) or a hand-written string
 * holds it. An entry of another type is kept as its text, for config.ts to refuse by name.
 */
function urlList(value: unknown): string[] {
  if (typeof value === 'string') return splitUrlList(value);
  if (!Array.isArray(value)) return [];
  return value.map((entry) => (typeof entry === 'string' ? entry.trim() : JSON.stringify(entry))).filter((entry) => entry !== '');
}

/** Keeps only known keys of the right type; managed sources are admin-written but still input. */
export function sanitizeManaged(raw: Record<string, unknown>): ManagedSettings {
  const out: ManagedSettings = {};
  for (const key of MANAGED_KEYS) {
    const value = raw[key];
    if (key === 'previousCollectorUrls') {
      const urls = urlList(value);
      if (urls.length > 0) out.previousCollectorUrls = urls;
    } else if (key === 'disallowQuit') {
      if (typeof value === 'boolean') out.disallowQuit = value;
      else if (value === 1 || value === '1' || value === 'true') out.disallowQuit = true;
    } else if (typeof value === 'string' && value.trim() !== '') {
      if (key.startsWith('trustedEndpoint') && !TRUSTED_ENDPOINT_VALUE.test(value.trim())) continue;
      out[key] = value.trim();
    }
  }
  return out;
}
