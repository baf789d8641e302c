import type { Knex } from 'knex';
import type { IdentifierClaim } from '../../domain/endpoint.js';
import { isSqlite } from '../dialect.js';
import { fromJson, toJson } from '../json.js';
import type { ApprovalClaimHolderRow, EndpointRow } from '../rows.js';

/**
 * An endpoint's approval claims (endpoints.approval_claims, JSON: what it claims and who holds
 * each) and their index, table approval_claim_holders: one row per endpoint and holder its
 * claims name, whatever the endpoint's approval. The JSON stays the claims' detail (the admin
 * API shows it); the index answers "who names this holder" without reading every pending or
 * denied endpoint's claims (with 100,000 pending after a fleet-wide re-enrollment, each
 * release read them all). Every write of the claims goes through writeClaims, so the two never
 * differ; forgetting an endpoint deletes its rows (ON DELETE CASCADE). A forgotten holder's
 * rows stay, as its id stays in the claims that name it.
 */

/** Every endpoint id the claims name as a holder, each once, in the order the claims name them. */
export function holdersNamed(claims: readonly IdentifierClaim[]): string[] {
  return [...new Set(claims.flatMap((c) => c.heldBy))];
}

/**
 * Sets the endpoint's claims, with `options.approval` in the same UPDATE, and replaces its index
 * rows. The endpoint's row is written first: on PostgreSQL its row lock makes a second
 * transaction writing the same endpoint's claims wait, and its DELETE then sees (and removes)
 * the first one's rows. False, and nothing written, when there is no such endpoint (forgotten
 * meanwhile) or, with `ifPending`, it is no longer pending (an admin denied it meanwhile).
 */
export async function writeClaims(
  trx: Knex.Transaction,
  endpointId: string,
  claims: readonly IdentifierClaim[],
  options: { approval?: 'pending' | 'approved'; ifPending?: boolean } = {},
): Promise<boolean> {
  const updated = await trx('endpoints')
    .where({ id: endpointId, ...(options.ifPending ? { approval: 'pending' } : {}) })
    .update({ ...(options.approval ? { approval: options.approval } : {}), approval_claims: toJson(claims) });
  if (updated === 0) return false;
  await trx('approval_claim_holders').where({ endpoint_id: endpointId }).delete();
  const holders = holdersNamed(claims);
  const rows: ApprovalClaimHolderRow[] = holders.map((holder_id) => ({ endpoint_id: endpointId, holder_id }));
  if (rows.length > 0) await trx('approval_claim_holders').insert(rows);
  return true;
}

/**
 * The statement pendingWaitingOn runs: the pending endpoints the index says name `holderId`,
 * oldest enrollment first (then by id, so two enrolled in the same millisecond keep one order).
 * Exact match on the holder's id: no LIKE, so no `_` or `%` in an id can widen it.
 */
export function waitingOnQuery(db: Knex, holderId: string, columns: readonly string[]): Knex.QueryBuilder {
  const selected = [...new Set([...columns, 'approval_claims'])].map((c) => (c === '*' ? 'endpoints.*' : `endpoints.${c}`));
  return db('approval_claim_holders as waits')
    .join('endpoints', 'endpoints.id', 'waits.endpoint_id')
    .where('waits.holder_id', holderId)
    .andWhere('endpoints.approval', 'pending')
    .orderBy([{ column: 'endpoints.enrolled_at' }, { column: 'endpoints.id' }])
    .select(...selected);
}

/**
 * The endpoints pending approval whose claims name `holderId` (they wait on it), oldest
 * enrollment first, with `columns` and their claims, for a release to judge again. On
 * PostgreSQL their rows are locked (in that order, so two releases take them in the same one):
 * a second release of another holder one of them waits on then waits for the first to commit
 * and reads it as the first left it. Unlocked, both judged it against the other's holder still
 * bound, and the later write kept it pending on a holder already released, for good. A row
 * the first release changed is read anew: the claims it wrote decide, not the index row this
 * statement found it by (the index finds; the claims confirm).
 */
export async function pendingWaitingOn(
  db: Knex,
  holderId: string,
  columns: readonly string[] = ['*'],
  options: { lock?: boolean } = {},
): Promise<EndpointRow[]> {
  const query = waitingOnQuery(db, holderId, columns);
  // Only the endpoints' rows: the index rows a first release replaced are gone, and locking them
  // too would drop the endpoint from the answer instead of reading it anew. `lock: false`: a
  // read-only look (what a release would do), which takes no lock.
  const rows = (await (isSqlite(db) || options.lock === false ? query : query.forUpdate('endpoints'))) as EndpointRow[];
  return rows.filter((r) => fromJson<IdentifierClaim[]>(r.approval_claims, []).some((c) => c.heldBy.includes(holderId)));
}
