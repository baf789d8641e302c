import type { Transaction } from './transaction.js';
import type { Verdict } from './verdict.js';

/** The `device_trust` claim: the verdict of the device check behind one sign-in. */
export interface DeviceTrustClaim extends Verdict {
  endpointId: string | null;
  transactionId: string;
}

export function claimOf(tx: Transaction): DeviceTrustClaim | null {
  if (tx.state !== 'decided' || tx.verdict === null) return null;
  return { ...tx.verdict, endpointId: tx.endpointId, transactionId: tx.id };
}
