import type { Knex } from 'knex';
import type { Endpoint, EndpointCounts, EndpointPageQuery, EndpointSort, NamedEndpoint } from '../../domain/endpoint.js';
import { COUNT_CAP, cappedTotal, type PageTotal } from '../../domain/paging.js';
import { likeEscaped } from '../like.js';
import type { EndpointRow } from '../rows.js';
import { toEndpoint } from './endpoints.js';
import { namedEndpoints } from './endpoint-names.js';
import { lastSeenHourOf, withLatestReport } from './endpoint-reads.js';

/**
 * Each listing's indexed order, and how a cursor's time (an endpoint's enrolledAt or
 * lastSeenAt) becomes that order's value. lastSeen pages by the hour last seen, then by id:
 * last_seen_at itself changes with every report and is not indexed (endpoint-reads.ts).
 */
const SORT: Record<EndpointSort, { column: 'enrolled_at' | 'last_seen_hour'; of: (at: number) => number }> = {
  enrolled: { column: 'enrolled_at', of: (at) => at },
  lastSeen: { column: 'last_seen_hour', of: lastSeenHourOf },
};

type Filter = Pick<EndpointPageQuery, 'q' | 'approval'>;

/** Identifier text as stored: upper case without the separators admins type (`:`, `-`, braces, spaces). */
const asIdentifier = (q: string): string => q.toUpperCase().replace(/[\s{}\-:.]/g, '');

function filtered(builder: Knex.QueryBuilder, filter: Filter): Knex.QueryBuilder {
  if (filter.approval) builder.where('approval', filter.approval);
  const q = filter.q?.trim();
  if (!q) return builder;
  const text = `%${likeEscaped(q.toLowerCase())}%`;
  const identifier = asIdentifier(q);
  return builder.where((w) => {
    w.whereRaw(`lower(hostname) like ? escape '\\'`, [text])
      .orWhereRaw(`lower(last_user) like ? escape '\\'`, [text])
      .orWhereRaw(`id like ? escape '\\'`, [text]);
    if (identifier !== '') {
      const like = `%${likeEscaped(identifier)}%`;
      for (const column of ['serial_number', 'hardware_uuid', 'machine_guid']) w.orWhereRaw(`${column} like ? escape '\\'`, [like]);
      // Stored as a JSON list of 12 hex digits: a partial MAC matches within one of them.
      if (/^[0-9A-F]+$/.test(identifier)) w.orWhereRaw(`mac_addresses like ? escape '\\'`, [like]);
    }
  });
}

/** Listings of endpoints for admins: keyset pages, capped counts, dashboard counts. */
export class EndpointPagesRepo {
  constructor(private readonly db: Knex) {}

  /** Up to `limit` endpoints in the sort's order (newest first), after `after` when given. */
  async page(query: EndpointPageQuery): Promise<Endpoint[]> {
    const { column, of } = SORT[query.sort];
    const builder = filtered(withLatestReport(this.db, this.db('endpoints')), query)
      .orderBy([
        { column, order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(query.limit);
    if (query.after) builder.whereRaw(`(${column}, endpoints.id) < (?, ?)`, [of(query.after.at), query.after.id]);
    return ((await builder) as EndpointRow[]).map(toEndpoint);
  }

  /** The endpoints of `ids` that exist, with their hostnames: who a page's pending endpoints wait on (one statement per 500 ids). */
  named(ids: readonly string[]): Promise<Map<string, NamedEndpoint>> {
    return namedEndpoints(this.db, ids);
  }

  /** How many endpoints match, up to COUNT_CAP. */
  async total(filter: Filter): Promise<PageTotal> {
    const capped = filtered(this.db('endpoints').select(this.db.raw('1')), filter).limit(COUNT_CAP + 1);
    const row = await this.db.from(capped.as('matching')).count({ n: '*' }).first();
    return cappedTotal(Number(row?.n ?? 0));
  }

  /**
   * Dashboard counts in one pass over the table. A released endpoint is blocked for good, but
   * it is a retired key (its device enrolled again under a new one), not a device an admin
   * holds back: counted apart, so "blocked" stays the lost, stolen and denied devices.
   */
  async counts(seenSince: number): Promise<EndpointCounts> {
    const row = (await this.db('endpoints')
      .select(
        this.db.raw('count(*) as total'),
        this.db.raw('sum(case when blocked and released_at is null then 1 else 0 end) as blocked'),
        this.db.raw('sum(case when released_at is not null then 1 else 0 end) as released'),
        this.db.raw(`sum(case when approval = 'pending' then 1 else 0 end) as pending`),
        this.db.raw('sum(case when last_seen_at >= ? then 1 else 0 end) as seen', [seenSince]),
      )
      .first()) as { total: unknown; blocked: unknown; released: unknown; pending: unknown; seen: unknown } | undefined;
    return {
      total: Number(row?.total ?? 0),
      blocked: Number(row?.blocked ?? 0),
      released: Number(row?.released ?? 0),
      pendingApproval: Number(row?.pending ?? 0),
      seenSince: Number(row?.seen ?? 0),
    };
  }
}
