import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { fromJson, toJson } from '../json.js';
import type { Transaction, TransactionState } from '../../domain/transaction.js';
import type { Assurance, Verdict } from '../../domain/verdict.js';
import type { TransactionRow } from '../rows.js';

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
    await this.db('transactions').insert(row);
    return toTransaction(row);
  }

  async get(id: string): Promise<Transaction | null> {
    const row = await this.db<TransactionRow>('transactions').where({ id }).first();
    if (!row) return null;
    const tx = toTransaction(row);
    return tx.state === 'pending' && tx.expiresAt <= Date.now() ? { ...tx, state: 'expired' } : tx;
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
