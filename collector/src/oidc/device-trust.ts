import type { Knex } from 'knex';
import type { Transaction } from '../store/types.js';
import { KnexAdapter } from './adapter.js';

/** The `device_trust` claim: the verdict of the device check behind this sign-in. */
export interface DeviceTrustClaim {
  verdict: 'trusted' | 'untrusted';
  access: 'allow' | 'deny';
  reasons: string[];
  endpointId: string | null;
  transactionId: string;
}

export const DEVICE_TRUST_CLAIM = 'device_trust';

export function claimOf(tx: Transaction): DeviceTrustClaim | null {
  if (tx.state !== 'decided' || tx.verdict === null) return null;
  return { ...tx.verdict, endpointId: tx.endpointId, transactionId: tx.id };
}

/**
 * The claim belongs to one authorization, not to the account: it is kept per grant (each
 * sign-in gets a fresh grant), and findAccount reads it through the code or token's grant.
 */
export class DeviceTrustRecords {
  private readonly adapter: KnexAdapter;

  constructor(db: Knex) {
    this.adapter = new KnexAdapter(db, 'DeviceTrust');
  }

  async save(grantId: string, claim: DeviceTrustClaim, ttlSec: number): Promise<void> {
    await this.adapter.upsert(grantId, { grantId, extra: { ...claim } }, ttlSec);
  }

  async forGrant(grantId: string | undefined): Promise<DeviceTrustClaim | null> {
    if (!grantId) return null;
    const stored = await this.adapter.find(grantId);
    return (stored?.extra as DeviceTrustClaim | undefined) ?? null;
  }
}

/**
 * `error_description` for a denial: the verdict's reasons in plain words. RFC 6749 allows
 * only printable ASCII without `"` and `\`, so anything else is replaced.
 */
export function denialDescription(reasons: string[]): string {
  const text = reasons.slice(0, 2).join('; ') || 'access denied by policy';
  return text
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 500);
}
