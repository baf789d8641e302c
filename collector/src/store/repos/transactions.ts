import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { fromJson, toJson } from '../json.js';
import type { Transaction, TransactionState } from '../../domain/transaction.js';
import type { Assurance, Verdict } from '../../domain/verdict.js';
import type { TransactionRow } from '../rows.js';
import { selectCompiled } from '../compiled.js';
import { driverStatement, forDb, runOnDriver } from '../driver-statements.js';
import type { User } from '../../domain/user.js';
import { toUser } from './users.js';

function toTransaction(row: TransactionRow): Transaction {
  const state = row.state as TransactionState;
  return {
    id: row.id,
    applicationId: row.application_id,
    username: row.username,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    state,
    verdict:
      row.verdict === null || row.verdict === undefined
        ? null
        : {
            verdict: row.verdict as Verdict['verdict'],
            access: row.access as Verdict['access'],
            reasons: fromJson<string[]>(row.reasons, []),
            assurance: (row.assurance as Assurance | null | undefined) ?? null,
          },
    endpointId: row.endpoint_id ?? null,
    decidedAt: row.decided_at ?? null,
  };
}

/** A pending transaction past its expiry reads as expired. */
function expiredIfDue(tx: Transaction): Transaction {
  return tx.state === 'pending' && tx.expiresAt <= Date.now() ? { ...tx, state: 'expired' } : tx;
}

const INSERT = driverStatement(
  'devtrust_open_transaction',
  'insert into transactions (id, application_id, username, created_at, expires_at, state) values (?, ?, ?, ?, ?, ?)',
);

export class TransactionsRepo {
  constructor(private readonly db: Knex) {}

  async create(applicationId: string, username: string, ttlMs: number): Promise<Transaction> {
    const now = Date.now();
    // Unguessable: the id is what the page hands to the agent and polls with.
    const row: TransactionRow = {
      id: `tx_${randomBytes(18).toString('base64url')}`,
      application_id: applicationId,
      username,
      created_at: now,
      expires_at: now + ttlMs,
      state: 'pending',
    };
    // Every sign-in opens one: straight on the driver, prepared once per connection.
    await runOnDriver(this.db, forDb(this.db, INSERT), [
      row.id,
      row.application_id,
      row.username,
      row.created_at,
      row.expires_at,
      row.state,
    ]);
    return toTransaction(row);
  }

  /** A transaction by id (applications poll this while their user signs in: compiled once). */
  async get(id: string): Promise<Transaction | null> {
    const build = (): Knex.QueryBuilder => this.db('transactions').where({ id }).limit(1);
    const [row] = await selectCompiled<TransactionRow>(this.db, 'transaction', build, [id, 1]);
    return row ? expiredIfDue(toTransaction(row)) : null;
  }

  /**
   * A transaction with the user it is for (null: no such user is known): what a decision reads
   * about the sign-in, in one statement. The username is stored normalised, as users are.
   */
  async withUser(id: string): Promise<{ transaction: Transaction; user: User | null } | null> {
    const build = (): Knex.QueryBuilder =>
      this.db('transactions')
        .leftJoin('users', 'users.username', 'transactions.username')
        .select(
          'transactions.*',
          'users.groups as user_groups',
          'users.created_at as user_created_at',
          'users.updated_at as user_updated_at',
        )
        .where('transactions.id', id)
        .limit(1);
    type Row = TransactionRow & { user_groups: string | null; user_created_at: number | null; user_updated_at: number | null };
    const [row] = await selectCompiled<Row>(this.db, 'transaction with user', build, [id, 1]);
    if (!row) return null;
    const user =
      row.user_groups === null || row.user_created_at === null || row.user_updated_at === null
        ? null
        : toUser({ username: row.username, groups: row.user_groups, created_at: row.user_created_at, updated_at: row.user_updated_at });
    return { transaction: expiredIfDue(toTransaction(row)), user };
  }

  /**
   * Decides a pending transaction exactly once: the conditional update makes a second
   * attestation (a replay, or a race between two collectors) lose.
   */
  async decide(id: string, endpointId: string | null, verdict: Verdict, at: number): Promise<boolean> {
    const n = await this.db('transactions')
      .where({ id, state: 'pending' })
      .andWhere('expires_at', '>', at)
      .update({
        state: 'decided',
        verdict: verdict.verdict,
        access: verdict.access,
        reasons: toJson(verdict.reasons),
        assurance: verdict.assurance ?? null,
        endpoint_id: endpointId,
        decided_at: at,
      });
    return n > 0;
  }

  async purgeExpired(before: number): Promise<number> {
    return this.db('transactions').where('expires_at', '<', before).delete();
  }
}
