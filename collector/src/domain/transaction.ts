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

/** Everything deciding a transaction stores: its verdict, the auth-log entry, the endpoint's last verdict. */
export interface DecisionToStore {
  transaction: Pick<Transaction, 'id' | 'applicationId' | 'username'>;
  /** The attesting endpoint; null when no agent answered (the auth-log entry is then "abandoned"). */
  endpointId: string | null;
  /** The application's name as the auth log keeps it (null: the application is gone). */
  applicationName: string | null;
  verdict: Verdict;
  at: number;
  /**
   * The verdict was reached on the endpoint unblocked: store it only if the endpoint is still
   * there and still unblocked when the decision is written. The reads run before the write,
   * outside its transaction, so an admin's block or forget can commit between them; without
   * this the verdict read before it would be stored (and given to the application) after it.
   */
  requireUnblocked?: boolean;
}
