import { LIMITS } from '@devtrust/shared/protocol';
import type { Application } from '../domain/application.js';
import type { Transaction } from '../domain/transaction.js';
import { normalizeUsername } from '../domain/user.js';
import type { Store } from '../store/store.js';

/** Device-check transactions: opened for an application's sign-in, decided by VerdictService. */
export class TransactionService {
  constructor(private readonly store: Store) {}

  /** Opens a transaction for this user (name normalised), living LIMITS.transactionTtlSec. */
  open(applicationId: string, username: string): Promise<Transaction> {
    // With the decisions' writes: on SQLite, opened transactions share their commits.
    return this.store.decisionWrites(({ transactions }) =>
      transactions.create(applicationId, normalizeUsername(username), LIMITS.transactionTtlSec * 1000),
    );
  }

  /** A transaction by id; a pending one past its expiry reads as expired. */
  get(id: string): Promise<Transaction | null> {
    return this.store.transactions.get(id);
  }

  /** A pending transaction with what the agent's confirmation shows: the application's name. */
  async describe(id: string): Promise<{ transaction: Transaction | null; application: Application | null }> {
    const transaction = await this.store.transactions.get(id);
    if (!transaction || transaction.state !== 'pending') return { transaction, application: null };
    return { transaction, application: await this.store.applications.get(transaction.applicationId) };
  }
}
