import type { DeviceTrustClaim } from '../../domain/device-trust.js';
import type { OidcPayloadsRepo } from './oidc-payloads.js';

/**
 * The device_trust claim of each grant. Kept beside the provider's models (same table,
 * grant column set) so revoking the grant removes it with the codes and tokens.
 */
export class OidcDeviceTrustRepo {
  static readonly MODEL = 'DeviceTrust';

  constructor(private readonly payloads: OidcPayloadsRepo) {}

  async save(grantId: string, claim: DeviceTrustClaim, expiresAt: number): Promise<void> {
    await this.payloads.upsert({
      model: OidcDeviceTrustRepo.MODEL,
      id: grantId,
      payload: { grantId, extra: { ...claim } },
      grantId,
      uid: null,
      userCode: null,
      expiresAt,
    });
  }

  async forGrant(grantId: string): Promise<DeviceTrustClaim | null> {
    const stored = await this.payloads.find(OidcDeviceTrustRepo.MODEL, { id: grantId });
    return (stored?.payload.extra as DeviceTrustClaim | undefined) ?? null;
  }
}
