import type { Knex } from 'knex';
import { fromJson, toJson } from '../json.js';
import {
  emptyVerdictBucket,
  type AuthLogEntry,
  type AuthLogOutcome,
  type AuthLogQuery,
  type VerdictBucket,
} from '../../domain/auth-log.js';
import { COUNT_CAP, cappedTotal, type PageTotal } from '../../domain/paging.js';
import type { AuthLogRow } from '../rows.js';

/** The sign-ins a query asks for; `outcome` defaults to real sign-ins (not abandoned prompts). */
function filtered(q: Knex.QueryBuilder, query: Omit<AuthLogQuery, 'after' | 'limit'>): Knex.QueryBuilder {
  if (query.since !== undefined) q.where('auth_log.at', '>=', query.since);
  if (query.until !== undefined) q.where('auth_log.at', '<', query.until);
  if (query.user !== undefined) q.where('auth_log.username', query.user.trim().toLowerCase());
  if (query.applicationId !== undefined) q.where('auth_log.application_id', query.applicationId);
  if (query.endpointId !== undefined) q.where('auth_log.endpoint_id', query.endpointId);
  if (query.verdict !== undefined) q.where('auth_log.verdict', query.verdict);
  if (query.reference !== undefined) q.where('auth_log.transaction_id', query.reference);
  // A reference names one sign-in: found whatever its outcome.
  const outcome = query.outcome ?? (query.reference !== undefined ? 'all' : 'real');
  if (outcome === 'real') q.whereIn('auth_log.outcome', ['attested', 'unattested']);
  else if (outcome !== 'all') q.where('auth_log.outcome', outcome);
  return q;
}

function toEntry(row: AuthLogRow & { endpoint_hostname?: string | null }): AuthLogEntry {
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
    endpointHostname: row.endpoint_hostname ?? null,
    assurance: (row.assurance as AuthLogEntry['assurance']) ?? null,
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
      assurance: entry.assurance ?? null,
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

  /**
   * Entries newest first (by time, then id), after `query.after` when given, each with its
   * endpoint's hostname while the endpoint is enrolled.
   */
  async query(query: AuthLogQuery): Promise<AuthLogEntry[]> {
    const q = filtered(this.db<AuthLogRow>('auth_log'), query)
      .leftJoin('endpoints', 'endpoints.id', 'auth_log.endpoint_id')
      .select('auth_log.*', 'endpoints.hostname as endpoint_hostname')
      .orderBy([
        { column: 'auth_log.at', order: 'desc' },
        { column: 'auth_log.id', order: 'desc' },
      ])
      .limit(query.limit ?? 200);
    if (query.after) q.whereRaw('(auth_log.at, auth_log.id) < (?, ?)', [query.after.at, query.after.id]);
    return (await q).map(toEntry);
  }

  /** How many entries match, up to COUNT_CAP: one bounded index range whatever the log's size. */
  async total(query: Omit<AuthLogQuery, 'after' | 'limit'>): Promise<PageTotal> {
    const capped = filtered(this.db('auth_log').select(this.db.raw('1')), query).limit(COUNT_CAP + 1);
    const row = await this.db.from(capped.as('matching')).count({ n: '*' }).first();
    return cappedTotal(Number(row?.n ?? 0));
  }

  /**
   * Sign-ins from `since` on, counted per bucket of `bucketMs` (buckets start at multiples of
   * it, shifted by `offsetMs` so days can start at local midnight): real sign-ins, and the
   * denials of abandoned prompts, which are sign-ins blocked for lack of an agent (an allowing
   * prompt nobody completed stays out). Reads only the time index, which carries outcome,
   * verdict and access.
   */
  async verdictBuckets(since: number, bucketMs: number, offsetMs: number): Promise<VerdictBucket[]> {
    const rows = (await this.db('auth_log')
      .select(this.db.raw('(at + ?) / ? as bucket', [offsetMs, bucketMs]), 'verdict', 'access', 'outcome')
      .count({ n: '*' })
      .where('at', '>=', since)
      .where((q) => q.whereIn('outcome', ['attested', 'unattested']).orWhere('access', 'deny'))
      .groupByRaw('1, 2, 3, 4')) as { bucket: number | string; verdict: string; access: string; outcome: string; n: number | string }[];
    const buckets = new Map<number, VerdictBucket>();
    for (const row of rows) {
      const start = Math.floor(Number(row.bucket)) * bucketMs - offsetMs;
      const bucket = buckets.get(start) ?? emptyVerdictBucket(start);
      const n = Number(row.n);
      if (row.access === 'deny') {
        bucket.denied += n;
        // Unattested and abandoned both mean no agent answered: that is what denied them.
        if (row.outcome !== 'attested') bucket.deniedNoAgent += n;
      } else if (row.verdict === 'trusted') bucket.trusted += n;
      else bucket.untrusted += n;
      buckets.set(start, bucket);
    }
    return [...buckets.values()].sort((a, b) => a.start - b.start);
  }
}
