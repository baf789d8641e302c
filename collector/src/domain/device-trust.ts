import type { Transaction } from './transaction.js';
import type { Verdict } from './verdict.js';

/** The `device_trust` claim: the verdict of the device check behind one sign-in. */
export interface DeviceTrustClaim extends Verdict {
  endpointId: string | null;
  transactionId: string;
  /** What to quote to IT: the auth log finds the verdict's every reason under it (the transaction id). */
  reference?: string;
}

/** The claim of a decided transaction, its verdict as `shown` to the application (see policy/disclosure.ts). */
export function claimOf(tx: Transaction, shown: (verdict: Verdict) => Verdict & { reference: string }): DeviceTrustClaim | null {
  if (tx.state !== 'decided' || tx.verdict === null) return null;
  return { ...shown(tx.verdict), endpointId: tx.endpointId, transactionId: tx.id };
}
