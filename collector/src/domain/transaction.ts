import type { Verdict } from './verdict.js';

export type TransactionState = 'pending' | 'decided' | 'expired';

/** One device check an application started for a sign-in; decided once, then expired. */
export interface Transaction {
  id: string;
  applicationId: string;
  username: string;
  createdAt: number;
  expiresAt: number;
  state: TransactionState;
  verdict: Verdict | null;
  endpointId: string | null;
  decidedAt: number | null;
}
