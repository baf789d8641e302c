import type { Knex } from 'knex';
import { fromJson, toJson } from '../json.js';
import type { AuthLogEntry } from '../types.js';

function toEntry(row: Record<string, unknown>): AuthLogEntry {
  return {
    id: Number(row.id),
    at: row.at as number,
    transactionId: (row.transaction_id as string | null) ?? null,
    applicationId: (row.application_id as string | null) ?? null,
    applicationName: (row.application_name as string | null) ?? null,
    username: (row.username as string | null) ?? null,
    endpointId: (row.endpoint_id as string | null) ?? null,
    verdict: row.verdict as AuthLogEntry['verdict'],
    access: row.access as AuthLogEntry['access'],
    reasons: fromJson<string[]>(row.reasons, []),
  };
}

export interface AuthLogQuery {
  since?: number;
  user?: string;
  verdict?: 'trusted' | 'untrusted';
  limit?: number;
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
    });
  }

  async query(query: AuthLogQuery): Promise<AuthLogEntry[]> {
    let q = this.db('auth_log')
      .orderBy('id', 'desc')
      .limit(query.limit ?? 200);
    if (query.since !== undefined) q = q.where('at', '>=', query.since);
    if (query.user !== undefined) q = q.where('username', query.user.trim().toLowerCase());
    if (query.verdict !== undefined) q = q.where('verdict', query.verdict);
    return (await q).map(toEntry);
  }
}
