import { LIMITS } from '@devtrust/shared/protocol';
import type { Application } from '../domain/application.js';
import type { Transaction } from '../domain/transaction.js';
import { normalizeUsername, type User } from '../domain/user.js';
import type { Store } from '../store/store.js';

/** Device-check transactions: opened for an application's sign-in, decided by VerdictService. */
export class TransactionService {
  constructor(private readonly store: Store) {}

  /** Opens a transaction for this user (name normalised), living LIMITS.transactionTtlSec. */
  open(applicationId: string, username: string): Promise<Transaction> {
    return this.store.openTransaction(applicationId, normalizeUsername(username), LIMITS.transactionTtlSec * 1000);
  }

  /** A transaction by id; a pending one past its expiry reads as expired. */
  get(id: string): Promise<Transaction | null> {
    return this.store.transactions.get(id);
  }

  /** A transaction with the user it is for (null: unknown user), in one statement: what an attestation reads. */
  async forDecision(id: string): Promise<{ transaction: Transaction; user: User | null } | null> {
    const read = await this.store.transactions.withUser(id);
    if (!read) return null;
    // The join finds the user by the name as stored; a name stored otherwise than users are
    // (not trimmed and lower-cased) is looked up the way users.get looks names up.
    const { username } = read.transaction;
    if (username.trim().toLowerCase() !== username) return { ...read, user: await this.store.users.get(username) };
    return read;
  }

  /** A pending transaction with what the agent's confirmation shows: the application's name. */
  async describe(id: string): Promise<{ transaction: Transaction | null; application: Application | null }> {
    const transaction = await this.store.transactions.get(id);
    if (!transaction || transaction.state !== 'pending') return { transaction, application: null };
    return { transaction, application: await this.store.applications.get(transaction.applicationId) };
  }
}
