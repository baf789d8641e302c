import type { Knex } from 'knex';
import { fromJson, toJson } from '../json.js';
import type { AuthLogEntry, AuthLogOutcome, AuthLogQuery } from '../../domain/auth-log.js';
import type { AuthLogRow } from '../rows.js';

function toEntry(row: AuthLogRow): AuthLogEntry {
  return {
    id: Number(row.id),
    outcome: (row.outcome as AuthLogOutcome | undefined) ?? 'attested',
    at: row.at,
    transactionId: row.transaction_id ?? null,
    applicationId: row.application_id ?? null,
    applicationName: row.application_name ?? null,
    username: row.username ?? null,
    endpointId: row.endpoint_id ?? null,
    verdict: row.verdict as AuthLogEntry['verdict'],
    access: row.access as AuthLogEntry['access'],
    reasons: fromJson<string[]>(row.reasons, []),
  };
}

export class AuthLogRepo {
  constructor(private readonly db: Knex) {}

  async append(entry: Omit<AuthLogEntry, 'id'>): Promise<void> {
    await this.db('auth_log').insert({
      at: entry.at,
      transaction_id: entry.transactionId,
      application_id: entry.applicationId,
      application_name: entry.applicationName,
      username: entry.username,
      endpoint_id: entry.endpointId,
      verdict: entry.verdict,
      access: entry.access,
      reasons: toJson(entry.reasons),
      outcome: entry.outcome,
    });
  }

  /** An abandoned prompt the application then completed (redeemed its code) was a real sign-in. */
  async markCompleted(transactionId: string): Promise<void> {
    await this.db('auth_log').where({ transaction_id: transactionId, outcome: 'abandoned' }).update({ outcome: 'unattested' });
  }

  /** Retention: deletes entries older than `before` (ms since the epoch); returns how many. */
  async purgeBefore(before: number): Promise<number> {
    return this.db('auth_log').where('at', '<', before).delete();
  }

  async query(query: AuthLogQuery): Promise<AuthLogEntry[]> {
    let q = this.db<AuthLogRow>('auth_log')
      .orderBy('id', 'desc')
      .limit(query.limit ?? 200);
    if (query.since !== undefined) q = q.where('at', '>=', query.since);
    if (query.user !== undefined) q = q.where('username', query.user.trim().toLowerCase());
    if (query.verdict !== undefined) q = q.where('verdict', query.verdict);
    if (query.reference !== undefined) q = q.where('transaction_id', query.reference);
    const outcome = query.outcome ?? (query.reference !== undefined ? 'all' : 'real');
    if (outcome === 'real') q = q.whereIn('outcome', ['attested', 'unattested']);
    else if (outcome !== 'all') q = q.where('outcome', outcome);
    return (await q).map(toEntry);
  }
}
