import type { Knex } from 'knex';
import type { NamedEndpoint } from '../../domain/endpoint.js';
import { chunks } from '../in-lists.js';
import { toBool } from '../json.js';
import type { EndpointRow } from '../rows.js';

/**
 * The endpoints of `ids` that exist, by id, with what a listing or a finding says of another
 * endpoint it names: hostname, blocked, released. One primary-key read per IN_LIST_CHUNK ids
 * (one for a page of endpoints, however many name the same holder), no report: a page of 1,000
 * pending endpoints names their holders with one more statement, not one per row.
 */
export async function namedEndpoints(db: Knex, ids: readonly string[]): Promise<Map<string, NamedEndpoint>> {
  const out = new Map<string, NamedEndpoint>();
  for (const part of chunks([...new Set(ids)])) {
    const rows = (await db('endpoints').whereIn('id', part).select('id', 'hostname', 'blocked', 'released_at', 'last_seen_at')) as Pick<
      EndpointRow,
      'id' | 'hostname' | 'blocked' | 'released_at' | 'last_seen_at'
    >[];
    for (const row of rows)
      out.set(row.id, {
        id: row.id,
        hostname: row.hostname ?? null,
        blocked: toBool(row.blocked),
        releasedAt: row.released_at === null || row.released_at === undefined ? null : Number(row.released_at),
        lastSeenAt: Number(row.last_seen_at),
      });
  }
  return out;
}
