import type { DeviceTrustClaim } from '../domain/device-trust.js';
import type { OidcStorage } from '../services/oidc-storage.js';

export { claimOf, type DeviceTrustClaim } from '../domain/device-trust.js';

export const DEVICE_TRUST_CLAIM = 'device_trust';

/**
 * The claim belongs to one authorization, not to the account: it is kept per grant (each
 * sign-in gets a fresh grant), and findAccount reads it through the code or token's grant.
 */
export class DeviceTrustRecords {
  constructor(private readonly storage: OidcStorage) {}

  async save(grantId: string, claim: DeviceTrustClaim, ttlSec: number): Promise<void> {
    await this.storage.saveDeviceTrust(grantId, claim, Date.now() + ttlSec * 1000);
  }

  async forGrant(grantId: string | undefined): Promise<DeviceTrustClaim | null> {
    return grantId ? this.storage.deviceTrustOf(grantId) : null;
  }
}

/**
 * `error_description` for a denial: the reasons the application may see (policy/disclosure.ts)
 * and the reference to quote to IT. RFC 6749 allows only printable ASCII without `"` and `\`,
 * so anything else is replaced.
 */
export function denialDescription(reasons: string[], reference: string): string {
  const ascii = (text: string): string =>
    text
      .replace(/"/g, "'")
      .replace(/\\/g, '/')
      .replace(/[^\x20-\x7e]/g, '?');
  // The reference always fits: long reasons (reasonDetail "full") are cut before it, not it.
  const suffix = ascii(` (reference ${reference})`);
  return `${ascii(reasons.slice(0, 2).join('; ') || 'access denied by policy').slice(0, 500 - suffix.length)}${suffix}`;
}
