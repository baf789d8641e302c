import type { Knex } from 'knex';
import type { Platform } from '@devtrust/shared/identity';
import type { EndpointApproval, IdentifierClaim } from '../../domain/endpoint.js';
import type { SingleIdentifierKind } from '../../domain/identifiers.js';
import type { HoldingEndpoint, PendingClaimant, ReenrollmentEndpoint } from '../../domain/reenrollment.js';
import type { KeysetPosition } from '../../domain/paging.js';
import type { ReenrollmentWindow } from '../../domain/reenrollment.js';
import { lockForUpdate } from '../atomic.js';
import { chunks } from '../in-lists.js';
import { isSqlite } from '../dialect.js';
import { IDENTIFIER_COLUMN_ENTRIES, IDENTIFIER_COLUMNS } from '../identifier-columns.js';
import { fromJson, toBool } from '../json.js';
import type { EndpointRow } from '../rows.js';
import { pendingWaitingOn } from './approval-claims.js';

/**
 * Up to this many holders (a release call names at most 1,000), their blocked and denied twins
 * are found by the values they hold and the ids naming them; past it (the preview's every
 * predecessor), all blocked and all denied endpoints are read once.
 */
const FEW_HOLDERS = 1_000;

/** The columns the re-enrollment rules read: no report JSON, no verdict. */
const SUMMARY_COLUMNS = ['id', 'hostname', 'platform', 'enrolled_at', 'last_seen_at', 'blocked', 'released_at', 'approval'] as const;

function summaryOf(row: EndpointRow): ReenrollmentEndpoint {
  return {
    id: row.id,
    hostname: row.hostname ?? null,
    platform: (row.platform as Platform | null | undefined) ?? null,
    enrolledAt: Number(row.enrolled_at),
    lastSeenAt: Number(row.last_seen_at),
    blocked: toBool(row.blocked),
    releasedAt: row.released_at === null || row.released_at === undefined ? null : Number(row.released_at),
    approval: (row.approval as EndpointApproval | null | undefined) ?? null,
  };
}

const CLAIMANT_COLUMNS = [...SUMMARY_COLUMNS, 'approval_claims', ...Object.values(IDENTIFIER_COLUMNS)] as const;

function claimantOf(row: EndpointRow): PendingClaimant {
  const identifiers: PendingClaimant['identifiers'] = {};
  for (const [kind, column] of IDENTIFIER_COLUMN_ENTRIES) {
    const value = row[column];
    if (value) identifiers[kind] = value;
  }
  return { ...summaryOf(row), identifiers, claims: fromJson<IdentifierClaim[]>(row.approval_claims, []) };
}

/** Notes `twinId` among the blocked twins of `holder`, when it is one of `found` (and not the holder itself). */
function addTwin(found: Map<string, HoldingEndpoint>, holder: string, twinId: string): void {
  const twins = found.get(holder)?.blockedTwins;
  if (holder !== twinId && twins && !twins.includes(twinId)) twins.push(twinId);
}

/** The claims' index rows naming some holders, and the endpoints they name (whatever their approval). */
interface NamingHolders {
  waits: { endpoint_id: string; holder_id: string }[];
  endpoints: Map<string, PendingClaimant>;
}

/**
 * Of the endpoints the claims' index names for `holderIds`, those pending approval whose claims
 * (the JSON the index is written from) name one of them, oldest enrollment first. The index
 * alone: joined to endpoints with a condition on their approval, SQLite's planner walks every
 * pending (or denied) endpoint and probes the index for each, a statement as long as the
 * pending set; the approval is checked on the rows read afterwards, by primary key.
 */
function pendingNaming(named: NamingHolders, holderIds: readonly string[]): PendingClaimant[] {
  const wanted = new Set(holderIds);
  return [...named.endpoints.values()]
    .filter((c) => c.approval === 'pending' && c.claims.some((claim) => claim.heldBy.some((h) => wanted.has(h))))
    .sort((a, b) => a.enrolledAt - b.enrolledAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * What a bulk release of re-enrolled devices reads (match/reenrollment.ts judges it): the
 * endpoints pending approval with their claims, and the endpoints they wait on with the
 * hardware UUIDs, serial numbers and MachineGuids bound to their keys. Reads only: each
 * release goes through EndpointsRepo.release, one transaction per device.
 */
export class ReenrollmentsRepo {
  constructor(private readonly db: Knex) {}

  /** Every endpoint pending approval (the approval index), oldest enrollment first. */
  async pendingClaimants(): Promise<PendingClaimant[]> {
    const rows = (await this.db('endpoints')
      .where({ approval: 'pending' })
      .orderBy([{ column: 'enrolled_at' }, { column: 'id' }])
      .select(...CLAIMANT_COLUMNS)) as EndpointRow[];
    return rows.map(claimantOf);
  }

  /**
   * The next `limit` endpoints pending approval enrolled inside the window, after `after` in
   * the preview's order (enrolledAt, then id as JavaScript compares strings), oldest first: one
   * range of the enrollment index (enrolled_at, id), walked from the cursor, the approval
   * checked on each row. Not the approval index: that is every pending endpoint, sorted.
   * On PostgreSQL the ids are compared byte by byte (COLLATE "C"), as the preview's first page
   * orders them, whatever the database's collation.
   */
  async pendingAfter(window: ReenrollmentWindow, after: KeysetPosition<string> | undefined, limit: number): Promise<PendingClaimant[]> {
    const sqlite = isSqlite(this.db);
    const id = sqlite ? 'id' : 'id collate "C"';
    // SQLite's planner otherwise takes the approval index (every pending endpoint, then sorted).
    const builder = this.db
      .from(sqlite ? this.db.raw('endpoints indexed by endpoints_enrolled_page') : 'endpoints')
      .where('approval', 'pending')
      .orderByRaw(`enrolled_at, ${id}`)
      .limit(limit)
      .select(...CLAIMANT_COLUMNS);
    const from = Math.max(after?.at ?? -Infinity, window.enrolledAfter ?? -Infinity);
    if (from > -Infinity) builder.where('enrolled_at', '>=', from);
    if (window.enrolledBefore !== undefined) builder.where('enrolled_at', '<', window.enrolledBefore);
    // A row value: on SQLite one range of the index, the endpoints enrolled in the cursor's millisecond included.
    if (after) builder.whereRaw(`(enrolled_at, ${id}) > (?, ?)`, [after.at, after.id]);
    return ((await builder) as EndpointRow[]).map(claimantOf);
  }

  /**
   * One pair as it stands inside the transaction that releases the predecessor (a store bound
   * to it): both rows locked on PostgreSQL, so a report of the old key or an admin's change to
   * either waits for the release, and the ids of every endpoint pending approval whose claims
   * name the predecessor now.
   */
  async pairForRelease(
    predecessorId: string,
    newcomerId: string,
  ): Promise<{ predecessor: HoldingEndpoint | undefined; newcomer: PendingClaimant | undefined; waiting: string[] }> {
    const trx = this.db as Knex.Transaction;
    // The predecessor's row first, then the newcomer's: the order a release (single or bulk)
    // writes them in. The order prevents no deadlock now (so id order would add nothing): the
    // caller holds the releases' lock (EndpointService.release), which every other release and
    // every report transaction takes before any row, and an admin's approve, deny, block or
    // forget changes one endpoint's row.
    const lock = async (id: string) =>
      (
        await lockForUpdate(
          trx,
          trx('endpoints')
            .where({ id })
            .select(...CLAIMANT_COLUMNS),
        )
      )[0] as EndpointRow | undefined;
    await lock(predecessorId);
    const newcomerRow = await lock(newcomerId);
    const predecessor = (await this.holders([predecessorId])).get(predecessorId);
    const waiting = (await pendingWaitingOn(trx, predecessorId, ['id', 'approval_claims'])).map((r) => r.id);
    return { predecessor, newcomer: newcomerRow ? claimantOf(newcomerRow) : undefined, waiting };
  }

  /**
   * Fills in each holder's blockedTwins: endpoints blocked (an admin's block or a denied
   * approval) and never released that report, in the same kind's column, a value it holds.
   */
  private async blockedTwins(
    found: Map<string, HoldingEndpoint>,
    bindings: { endpoint_id: string; kind: SingleIdentifierKind; value: string }[],
  ): Promise<void> {
    const owners = new Map<SingleIdentifierKind, Map<string, string[]>>(IDENTIFIER_COLUMN_ENTRIES.map(([kind]) => [kind, new Map()]));
    for (const b of bindings) {
      const byValue = owners.get(b.kind);
      const ids = byValue?.get(b.value);
      if (ids) ids.push(b.endpoint_id);
      else byValue?.set(b.value, [b.endpoint_id]);
    }
    if (found.size > FEW_HOLDERS) {
      // The preview's every predecessor: every blocked, never-released endpoint read once (a
      // scan of endpoints, 60–90 ms at 200,000 loaded), instead of probing each kind's index
      // for every value held (400 statements at 100,000 holders, 3 s, nearly all finding none).
      const rows = (await this.db('endpoints')
        .where({ blocked: true })
        .whereNull('released_at')
        .select('id', ...Object.values(IDENTIFIER_COLUMNS))) as (Pick<EndpointRow, 'id'> & Record<string, string | null>)[];
      for (const row of rows)
        for (const [kind, column] of IDENTIFIER_COLUMN_ENTRIES) {
          const value = row[column];
          if (value) for (const holder of owners.get(kind)?.get(value) ?? []) addTwin(found, holder, row.id);
        }
      return;
    }
    for (const [kind, column] of IDENTIFIER_COLUMN_ENTRIES) {
      const byValue = owners.get(kind) as Map<string, string[]>;
      for (const values of chunks([...byValue.keys()])) {
        const rows = (await this.db('endpoints')
          .whereIn(column, values)
          .where({ blocked: true })
          .whereNull('released_at')
          .select('id', column)) as (Pick<EndpointRow, 'id'> & Record<string, string>)[];
        for (const row of rows) for (const holder of byValue.get(row[column] as string) ?? []) addTwin(found, holder, row.id);
      }
    }
  }

  /**
   * Adds to each holder's blockedTwins the denied endpoints whose claims named it, released or
   * not: an endpoint released while it was pending is denied by the release (EndpointsRepo.release),
   * a copy turned away for good, and left out here it made the next copy of the same image a
   * bulk-release candidate with no caution (a reviewer's finding). A denied endpoint's reports are still stored, so its identifier columns are whatever
   * the clone reports now (it can hide what it copied); the claims it was denied on are kept
   * (checkClaims leaves a denied endpoint's alone), and so are their rows in the claims' index
   * (approval-claims.ts), which this reads instead of every denied endpoint's claims.
   */
  private async deniedClaimants(found: Map<string, HoldingEndpoint>, named?: NamingHolders): Promise<void> {
    if (found.size === 0) return;
    if (named) {
      // Read already with the holders' rivals (predecessorsAndRivals): the same rows.
      for (const w of named.waits) {
        const claimant = named.endpoints.get(w.endpoint_id);
        if (claimant?.approval === 'denied') addTwin(found, w.holder_id, w.endpoint_id);
      }
      return;
    }
    if (found.size > FEW_HOLDERS) {
      // The preview's every predecessor: every denied endpoint's rows, read once.
      const rows = (await this.db('approval_claim_holders as waits')
        .join('endpoints', 'endpoints.id', 'waits.endpoint_id')
        .where('endpoints.approval', 'denied')
        .select('waits.endpoint_id', 'waits.holder_id')) as { endpoint_id: string; holder_id: string }[];
      for (const row of rows) addTwin(found, row.holder_id, row.endpoint_id);
      return;
    }
    // The holders a release call names (its pairs, or the one pair a release judges in its
    // transaction): the index rows naming them, then those endpoints by primary key.
    const waits = await this.waitsNaming([...found.keys()]);
    const denied = new Set<string>();
    for (const ids of chunks([...new Set(waits.map((w) => w.endpoint_id))])) {
      const rows = (await this.db('endpoints').whereIn('id', ids).where('approval', 'denied').select('id')) as EndpointRow[];
      for (const row of rows) denied.add(row.id);
    }
    for (const w of waits) if (denied.has(w.endpoint_id)) addTwin(found, w.holder_id, w.endpoint_id);
  }

  /**
   * The endpoints of these ids that exist, with the strong identifiers their keys hold.
   * `named`: the claims' index rows naming exactly these ids and the endpoints they name, when
   * the caller read them (their denied twins are among those).
   */
  async holders(ids: readonly string[], named?: NamingHolders): Promise<Map<string, HoldingEndpoint>> {
    const found = new Map<string, HoldingEndpoint>();
    const kinds = IDENTIFIER_COLUMN_ENTRIES.map(([kind]) => kind);
    const held: { endpoint_id: string; kind: SingleIdentifierKind; value: string }[] = [];
    for (const chunk of chunks([...new Set(ids)])) {
      const rows = (await this.db('endpoints')
        .whereIn('id', chunk)
        .select(...SUMMARY_COLUMNS)) as EndpointRow[];
      for (const row of rows) found.set(row.id, { ...summaryOf(row), holds: [], blockedTwins: [] });
      // The kinds are picked here, not in the statement: given `kind IN (…)`, SQLite's planner
      // walks the primary key (kind, value, endpoint_id) through every binding of those kinds.
      const bindings = (
        (await this.db('identifier_bindings')
          .whereIn('endpoint_id', chunk)
          .orderBy(['endpoint_id', 'kind', 'value'])
          .select('endpoint_id', 'kind', 'value')) as { endpoint_id: string; kind: SingleIdentifierKind; value: string }[]
      ).filter((b) => kinds.includes(b.kind));
      for (const b of bindings) found.get(b.endpoint_id)?.holds.push({ kind: b.kind, value: b.value });
      held.push(...bindings);
    }
    await this.blockedTwins(found, held);
    await this.deniedClaimants(found, named);
    // One order whichever holders were read with it (the rows came back in each statement's
    // order): a release naming a few pairs words clone-seen exactly as the preview of all did.
    for (const holder of found.values()) holder.blockedTwins.sort();
    return found;
  }

  /**
   * These holders (those that exist, as holders() reads them) and their rivals: the endpoints
   * pending approval whose claims name any of them, found through the claims' index (its holder
   * index, then endpoints by primary key) and confirmed by their claims, oldest enrollment
   * first. Everything a release call judges its named pairs on, however many others are
   * pending. One read of the index rows naming them and the endpoints those name serves both:
   * the denied twins holders() looks for are among those endpoints.
   */
  async predecessorsAndRivals(holderIds: readonly string[]): Promise<{ holders: Map<string, HoldingEndpoint>; rivals: PendingClaimant[] }> {
    const ids = [...new Set(holderIds)];
    const named = await this.naming(ids);
    return { holders: await this.holders(ids, named), rivals: pendingNaming(named, ids) };
  }

  /** The claims' index rows naming any of `holderIds`, and each endpoint they name, with its claims (whatever its approval). */
  private async naming(holderIds: readonly string[]): Promise<NamingHolders> {
    const waits = await this.waitsNaming([...new Set(holderIds)]);
    return { waits, endpoints: await this.claimants([...new Set(waits.map((w) => w.endpoint_id))]) };
  }

  /** The claims' index rows naming any of `holderIds` (its holder index alone). */
  private async waitsNaming(holderIds: readonly string[]): Promise<{ endpoint_id: string; holder_id: string }[]> {
    const waits: { endpoint_id: string; holder_id: string }[] = [];
    for (const chunk of chunks(holderIds))
      waits.push(
        ...((await this.db('approval_claim_holders').whereIn('holder_id', chunk).select('endpoint_id', 'holder_id')) as typeof waits),
      );
    return waits;
  }

  /** The endpoints of these ids that exist, by primary key, with their claims (whatever their approval). */
  async claimants(ids: readonly string[]): Promise<Map<string, PendingClaimant>> {
    const found = new Map<string, PendingClaimant>();
    for (const chunk of chunks([...new Set(ids)])) {
      const rows = (await this.db('endpoints')
        .whereIn('id', chunk)
        .select(...CLAIMANT_COLUMNS)) as EndpointRow[];
      for (const row of rows) found.set(row.id, claimantOf(row));
    }
    return found;
  }
}
