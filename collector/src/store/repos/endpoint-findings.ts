import type { Knex } from 'knex';
import type { Endpoint } from '../../domain/endpoint.js';
import type { SingleIdentifierKind } from '../../domain/identifiers.js';
import { IDENTIFIER_COLUMN_ENTRIES } from '../identifier-columns.js';
import { isSqlite } from '../dialect.js';
import { chunks } from '../in-lists.js';
import type { EndpointRow } from '../rows.js';
import { lastSeenHourOf, withLatestReport } from './endpoint-reads.js';
import { counted, toEndpoint } from './endpoints.js';
import { namedEndpoints } from './endpoint-names.js';

/** What the findings need to know of an endpoint a pending one waits on. */
export type HolderStanding = 'gone' | 'blocked' | 'other';

/** A holder's standing, and when it last reported (null: gone). */
export interface HolderState {
  standing: HolderStanding;
  lastSeenAt: number | null;
}

export interface EndpointDuplicate {
  kind: SingleIdentifierKind;
  value: string;
  endpointIds: string[];
  /** The same endpoints with their hostnames, in the same order (the finding names the first few). */
  endpoints: { id: string; hostname: string | null }[];
}

/**
 * What the findings read of the endpoints, each kind as a count and its first few: at 100,000
 * endpoints, thousands are silent on any day, and the findings list the first of them only
 * (docs/performance.md, "Findings and the dashboard at fleet scale"). Every read goes through an
 * index; the counts read an index range and no report.
 */
export class EndpointFindingsRepo {
  constructor(private readonly db: Knex) {}

  /** Identifier values several counted endpoints report (a cloned image): how many, and the first `limit` with their endpoints. */
  async duplicates(limit: number): Promise<{ count: number; first: EndpointDuplicate[] }> {
    let count = 0;
    const first: EndpointDuplicate[] = [];
    for (const [kind, column] of IDENTIFIER_COLUMN_ENTRIES) {
      // Values two endpoints report, whoever they are: read from the identifier's index alone
      // (no row: SQLite's covering index, PostgreSQL's index-only scan); then, for those few
      // values only, the rows that say which endpoints count (counted: not blocked, not pending).
      // PostgreSQL plans `in (subquery)` from a guess of a third of the table and reads all of
      // it; from an array (computed once, an InitPlan) it looks each value up in the index.
      const shared = this.db('endpoints').select(column).whereNotNull(column).groupBy(column).havingRaw('count(*) > 1');
      const sub = shared.toSQL();
      const ofShared = (q: Knex.QueryBuilder): Knex.QueryBuilder =>
        isSqlite(this.db) ? q.whereIn(column, shared) : q.whereRaw(`${column} = any(array(${sub.sql}))`, sub.bindings as Knex.Value[]);
      const rows = (await counted(ofShared(this.db('endpoints').select(column)))
        .groupBy(column)
        .havingRaw('count(*) > 1')
        .orderBy(column)) as Record<string, string>[];
      const values = rows.map((row) => row[column] as string);
      count += values.length;
      const shown = values.slice(0, Math.max(0, limit - first.length));
      const holders = new Map<string, { id: string; hostname: string | null }[]>(shown.map((value) => [value, []]));
      for (const part of chunks(shown)) {
        const held = (await counted(this.db('endpoints').select('id', 'hostname', column).whereIn(column, part)).orderBy('id')) as Record<
          string,
          string | null
        >[];
        for (const row of held) holders.get(row[column] as string)?.push({ id: row.id as string, hostname: row.hostname ?? null });
      }
      for (const [value, endpoints] of holders) first.push({ kind, value, endpointIds: endpoints.map((e) => e.id), endpoints });
    }
    return { count, first };
  }

  /** Endpoints waiting for an administrator's approval: how many, and the `limit` longest waiting. */
  async pending(limit: number): Promise<{ count: number; first: Endpoint[] }> {
    const count = await this.count(this.db('endpoints').where({ approval: 'pending' }));
    if (count === 0 || limit === 0) return { count, first: [] };
    const rows = (await withLatestReport(this.db, this.db('endpoints'))
      .where({ approval: 'pending' })
      .orderBy([{ column: 'enrolled_at' }, { column: 'endpoints.id' }])
      .limit(limit)) as EndpointRow[];
    return { count, first: rows.map(toEndpoint) };
  }

  /**
   * Endpoints whose latest report holds a placeholder where an identifier belongs: how many
   * (endpoint and kind, each once), and the first `limit` endpoints. Found by the kinds stored
   * with each report (placeholder_kinds, indexed), over every endpoint.
   */
  async placeholders(limit: number): Promise<{ count: number; first: Endpoint[] }> {
    const marked = (await this.db('endpoints')
      .whereNotNull('placeholder_kinds')
      .groupBy('placeholder_kinds')
      .select('placeholder_kinds')
      .count({ n: '*' })) as { placeholder_kinds: string; n: number | string }[];
    const count = marked.reduce((sum, row) => sum + row.placeholder_kinds.split(',').length * Number(row.n), 0);
    if (count === 0 || limit === 0) return { count, first: [] };
    const rows = (await withLatestReport(this.db, this.db('endpoints'))
      .whereNotNull('placeholder_kinds')
      .orderBy([{ column: 'placeholder_kinds' }, { column: 'endpoints.id' }])
      .limit(limit)) as EndpointRow[];
    return { count, first: rows.map(toEndpoint) };
  }

  /**
   * Endpoints not seen since `before`: how many, and the `limit` most recently seen of them
   * (the newest silence first: a laptop silent for months was likely retired, one silent since
   * the day before yesterday is news). The hour index narrows both reads (last_seen_at itself
   * is not indexed: endpoint-reads.ts).
   */
  async silentSince(before: number, limit: number): Promise<{ count: number; first: Endpoint[] }> {
    const silent = (q: Knex.QueryBuilder): Knex.QueryBuilder =>
      q.where('last_seen_hour', '<=', lastSeenHourOf(before)).andWhere('last_seen_at', '<', before);
    const count = await this.count(silent(this.db('endpoints')));
    if (count === 0 || limit === 0) return { count, first: [] };
    const rows = (await silent(withLatestReport(this.db, this.db('endpoints')))
      .orderBy([
        { column: 'last_seen_hour', order: 'desc' },
        { column: 'last_seen_at', order: 'desc' },
      ])
      .limit(limit)) as EndpointRow[];
    return { count, first: rows.map(toEndpoint) };
  }

  /** Whether each endpoint exists, is blocked and not released, and when it last reported (what the pending advice turns on). */
  async standings(ids: readonly string[]): Promise<Map<string, HolderState>> {
    const named = await namedEndpoints(this.db, ids);
    return new Map(
      ids.map((id): [string, HolderState] => {
        const found = named.get(id);
        if (found === undefined) return [id, { standing: 'gone', lastSeenAt: null }];
        return [id, { standing: found.blocked && found.releasedAt === null ? 'blocked' : 'other', lastSeenAt: found.lastSeenAt }];
      }),
    );
  }

  private async count(q: Knex.QueryBuilder): Promise<number> {
    return Number((await q.count({ n: '*' }).first())?.n ?? 0);
  }
}
