import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Platform } from '@devtrust/shared/identity';
import { LIMITS, type KeyKind, type Report } from '@devtrust/shared/protocol';
import { batchUpdate, type BatchUpdate } from '../batch-update.js';
import { BATCH_UPDATE_ROWS, reportWrite, writeHistory, type ReportWrite } from './report-writes.js';
import { lastSeenHourOf, withLatestReport } from './endpoint-reads.js';
import { isSqlite } from '../dialect.js';
import { retryDeadlock } from '../db-errors.js';
import { lockNamed, lockNamedPolitely } from '../atomic.js';
import { selectCompiled } from '../compiled.js';
import { fromJson, toBool, toJson } from '../json.js';
import { chunks } from '../in-lists.js';
import type {
  BindingRelease,
  Endpoint,
  EndpointApproval,
  EndpointCredentials,
  EndpointQuery,
  IdentifierClaim,
  ReportToStore,
  WaitingOn,
} from '../../domain/endpoint.js';
import { ReportsPartlyStored } from '../../domain/endpoint.js';
import type { SingleIdentifierKind } from '../../domain/identifiers.js';
import type { Verdict } from '../../domain/verdict.js';
import { IDENTIFIER_COLUMN_ENTRIES, IDENTIFIER_COLUMNS, type IdentifierColumn } from '../identifier-columns.js';
import type { EndpointRow, ReportRow } from '../rows.js';
import { waitingOnQuery, writeClaims } from './approval-claims.js';
import { byKind, heldMacClaims, holdsClaims, macClaims } from './mac-claims.js';
import { freedByRelease, rejudgeWaitersOn } from './release-waiters.js';
import { bindIdentifiers, claimedColumns, holdersOf, unbindAll } from './identifier-bindings.js';

/**
 * Endpoints whose identifiers count: a blocked endpoint (an admin's "this one is not the
 * device") and one pending approval (nobody vouched for it yet) never make another endpoint
 * a duplicate.
 */
export function counted(builder: Knex.QueryBuilder): Knex.QueryBuilder {
  return builder.where('blocked', false).andWhere((w) => w.whereNull('approval').orWhereNot('approval', 'pending'));
}

const claimKey = (c: { kind: string; value: string }): string => `${c.kind}\u0000${c.value}`;

export function toEndpoint(row: EndpointRow): Endpoint {
  const macs = fromJson<string[]>(row.mac_addresses, []);
  return {
    id: row.id,
    publicKey: row.public_key,
    enrolledAt: row.enrolled_at,
    lastSeenAt: row.last_seen_at,
    lastSeq: Number(row.last_seq),
    platform: (row.platform as Platform | null | undefined) ?? null,
    hostname: row.hostname ?? null,
    // Normalised once, when the report was stored (recordReports): read back as stored.
    identifiers: {
      ...(row.hardware_uuid ? { hardwareUuid: row.hardware_uuid } : {}),
      ...(row.serial_number ? { serialNumber: row.serial_number } : {}),
      ...(row.machine_guid ? { machineGuid: row.machine_guid } : {}),
      ...(macs.length > 0 ? { macAddresses: macs } : {}),
    },
    report: fromJson<Report | null>(row.report, null),
    blocked: toBool(row.blocked),
    approval: (row.approval as EndpointApproval | null | undefined) ?? null,
    approvalClaims: fromJson<IdentifierClaim[]>(row.approval_claims, []),
    lastUser: row.last_user ?? null,
    lastVerdict: fromJson(row.last_verdict, null),
    keyKind: (row.key_kind as KeyKind | null | undefined) ?? 'software',
    releasedAt: row.released_at === null || row.released_at === undefined ? null : Number(row.released_at),
  };
}

/**
 * Releases run one at a time on PostgreSQL. Row locks are not enough: a release judges each
 * endpoint waiting on its key against the bindings other endpoints hold, and the claims it writes
 * may name a second holder whose release is under way; that release read who waits on it before
 * these claims committed, so it never judged the endpoint, which stayed pending on a key released
 * for good. Serialised, the second release reads the first one's claims, or the first reads the
 * second one's bindings already ended. A release takes milliseconds; one waiting longer than the
 * lock timeout (5 s) fails as busy, to be sent again.
 */
const RELEASES = 'devtrust:endpoint-releases';
// Polled at first, queued for only after that (atomic.ts): a release that only waits for the
// lock must not make the reports that take it shared wait behind it, nor wait for ever behind them.
const lockReleases = (trx: Knex.Transaction): Promise<void> => lockNamedPolitely(trx, RELEASES);
/** What a transaction judging claims takes: releases wait for it, and it for them; such transactions do not wait for each other. */
const lockReleasesShared = (trx: Knex.Transaction): Promise<void> => lockNamed(trx, RELEASES, 'shared');

/** Each endpoint's first report of a batch (the batch is in sequence order per endpoint). */
function firstOfEachEndpoint(writes: ReportWrite[]): Set<ReportWrite> {
  const seen = new Set<string>();
  return new Set(writes.filter((w) => !seen.has(w.endpointId) && seen.add(w.endpointId)));
}

export class EndpointsRepo {
  constructor(private readonly db: Knex) {}

  /** The endpoint of this key; a new one records the key kind the agent claims (fixed for the key's life). */
  async enroll(publicKey: string, keyKind: KeyKind = 'software'): Promise<Endpoint> {
    const now = Date.now();
    const byKey = (): Knex.QueryBuilder => withLatestReport(this.db, this.db('endpoints')).where({ public_key: publicKey });
    const existing = (await byKey().first()) as EndpointRow | undefined;
    if (existing) return toEndpoint(existing);
    const row: EndpointRow = {
      id: `ep_${randomUUID()}`,
      public_key: publicKey,
      enrolled_at: now,
      last_seen_at: now,
      last_seen_hour: lastSeenHourOf(now),
      last_seq: 0,
      blocked: false,
      key_kind: keyKind,
    };
    // Two sessions enrolling one key at once (an agent retrying while its first attempt is
    // still in flight) both get the one endpoint: the second insert yields to the first.
    await this.db('endpoints').insert(row).onConflict('public_key').ignore();
    const stored = (await byKey().first()) as EndpointRow | undefined;
    return toEndpoint(stored ?? row);
  }

  async get(id: string): Promise<Endpoint | null> {
    const row = (await withLatestReport(this.db, this.db('endpoints')).where('endpoints.id', id).first()) as EndpointRow | undefined;
    return row ? toEndpoint(row) : null;
  }

  /**
   * The endpoint, with how many endpoints (itself included) report each of its identifiers, as
   * countReporting would count them: what a decision reads about the device, in one statement
   * (each count an indexed subquery) instead of one per identifier kind.
   */
  async withReporting(id: string): Promise<{ endpoint: Endpoint; reporting: Partial<Record<SingleIdentifierKind, number>> } | null> {
    const counts = IDENTIFIER_COLUMN_ENTRIES.map(
      ([, column]) =>
        `(select count(*) from endpoints others where others.${column} = endpoints.${column} and others.blocked = ? ` +
        `and (others.approval is null or not others.approval = 'pending') and not others.id = endpoints.id) as reporting_${column}`,
    );
    // The latest report joined from the history ring: one more primary-key lookup in the same statement.
    const build = (): Knex.QueryBuilder =>
      withLatestReport(this.db, this.db('endpoints'))
        .select(...counts.map((sql) => this.db.raw(sql, [false])))
        .where('endpoints.id', id)
        .limit(1);
    const [row] = await selectCompiled<EndpointRow & Record<string, unknown>>(this.db, 'endpoint with reporting', build, [
      ...counts.map(() => false),
      id,
      1,
    ]);
    if (!row) return null;
    const reporting: Partial<Record<SingleIdentifierKind, number>> = {};
    for (const [kind, column] of IDENTIFIER_COLUMN_ENTRIES) reporting[kind] = Number(row[`reporting_${column}`] ?? 0) + 1;
    return { endpoint: toEndpoint(row), reporting };
  }

  /** The key and last sequence alone: no report or verdict JSON to parse (authentication). */
  async credentials(id: string): Promise<EndpointCredentials | null> {
    const row = await this.db<EndpointRow>('endpoints').where({ id }).first('id', 'public_key', 'last_seq');
    return row ? { id: row.id, publicKey: row.public_key, lastSeq: Number(row.last_seq) } : null;
  }

  async list(query: EndpointQuery = {}): Promise<Endpoint[]> {
    // Most recently seen first, by the hour (the indexed order; see endpoint-pages.ts).
    let builder = withLatestReport(this.db, this.db('endpoints')).orderBy([
      { column: 'last_seen_hour', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
    if (query.approval) builder = builder.where('approval', query.approval);
    if (query.q) {
      const like = `%${query.q.toLowerCase()}%`;
      const upper = `%${query.q.toUpperCase().replace(/[\s{}\-:]/g, '')}%`;
      builder = builder.where((w) =>
        w
          .whereRaw('lower(hostname) like ?', [like])
          .orWhere('serial_number', 'like', upper)
          .orWhere('hardware_uuid', 'like', upper)
          .orWhere('machine_guid', 'like', upper)
          .orWhereRaw('lower(last_user) like ?', [like])
          .orWhere('id', query.q),
      );
    }
    return ((await builder.limit(query.limit ?? 500).offset(query.offset ?? 0)) as EndpointRow[]).map(toEndpoint);
  }

  /** Stores one verified report; see recordReports. */
  async recordReport(id: string, seq: number, report: Report, at: number): Promise<boolean> {
    const [stored] = await this.recordReports([{ endpointId: id, seq, report, at }]);
    return stored === true;
  }

  /**
   * Stores verified reports together (group commit). A report is stored only when its
   * sequence is higher than the endpoint's last one: the conditional update is the replay
   * check, safe across collector processes. Returns, per report, whether it was stored.
   * Reports of one endpoint must come in sequence order. On PostgreSQL, when storing fails
   * after some reports committed, throws ReportsPartlyStored, which says which.
   */
  async recordReports(items: ReportToStore[]): Promise<boolean[]> {
    if (items.length === 0) return [];
    const writes = items.map(reportWrite);
    if (isSqlite(this.db)) return this.db.transaction((trx) => this.storeIn(trx, writes));
    // In a caller's transaction (Store.transaction) nothing commits by itself: the batch is one
    // unit, and a deadlock, which aborted the caller's transaction, is the caller's to handle.
    if ((this.db as { isTransaction?: boolean }).isTransaction) return this.storeIn(this.db as Knex.Transaction, writes);
    // PostgreSQL: a batch of usual reports (each endpoint once, identifiers unchanged) is one
    // UPDATE per shape that also writes the history (a data-modifying CTE): each statement
    // commits by itself, so it needs no BEGIN and COMMIT of its own, two round trips fewer per
    // batch. Whatever they did not store (new identifiers, replays, an endpoint's second
    // report) then goes through a transaction.
    const fast = firstOfEachEndpoint(writes);
    // Filled as each statement answers: what is stored when a later one fails.
    const updated = new Map<string, number>();
    const stored = (): boolean[] => writes.map((w) => fast.has(w) && updated.has(w.endpointId));
    try {
      // Two batches holding the same endpoints can deadlock: a report with new identifiers takes
      // its row inside a transaction, and another batch (a second writer, another collector, an
      // agent with two sessions) may hold that row while wanting one of ours. A statement aborted
      // for a deadlock runs again alone: those before it committed (retryDeadlock).
      await this.updateUsual(this.db, [...fast], true, updated, retryDeadlock);
      const done = stored();
      const rest = writes.filter((_, i) => !done[i]);
      if (rest.length === 0) return done;
      const restStored = await retryDeadlock(() => this.db.transaction((trx) => this.storeIn(trx, rest)));
      let next = 0;
      return done.map((d) => d || restStored[next++] === true);
    } catch (error) {
      // Reports already committed are stored whatever failed after them: said so, not failed.
      const done = stored();
      throw done.some(Boolean) ? new ReportsPartlyStored(done, error) : error;
    }
  }

  /**
   * SQLite: stores reports in the caller's transaction (the group commit's, which the
   * decisions and openings of the moment share: one commit and one fsync for all of them).
   */
  recordReportsIn(trx: Knex.Transaction, items: ReportToStore[]): Promise<boolean[]> {
    return items.length === 0 ? Promise.resolve([]) : this.storeIn(trx, items.map(reportWrite));
  }

  /** Stores reports in one transaction; see recordReports. */
  private async storeIn(trx: Knex.Transaction, writes: ReportWrite[]): Promise<boolean[]> {
    // PostgreSQL: a report judged while a release runs would read the bindings the release is
    // ending, and commit its claims after the release read who waits on the key: pending on a key
    // released for good. This transaction (new identifiers, replays: not the usual report) waits
    // for a release under way and makes the next one wait, taken before any row so that neither
    // holds a row the other wants while it waits for this lock.
    await lockReleasesShared(trx);
    // PostgreSQL: the usual reports' history rows are inserted by the UPDATE statement itself
    // (each body crosses the network once). SQLite has no data-modifying CTEs.
    const historyInUpdate = !isSqlite(this.db);
    // The usual report repeats the identifiers already stored: the whole batch is one
    // conditional UPDATE (sequence newer, identifiers unchanged). An endpoint twice in a
    // batch keeps its later reports for the one-by-one path below, in order.
    const fast = firstOfEachEndpoint(writes);
    const updated = new Map<string, number>();
    await this.updateUsual(trx, [...fast], historyInUpdate, updated);
    // Per report, its endpoint's stored-report count once it is stored (null: not stored).
    const counts = writes.map((w) => (fast.has(w) ? (updated.get(w.endpointId) ?? null) : null));
    const batched = counts.map((count) => count !== null);
    for (const [i, w] of writes.entries()) {
      if (counts[i] !== null) continue;
      // New identifiers (or a replay): store, then check who else holds them.
      const [changed] = (await trx('endpoints')
        .where({ id: w.endpointId })
        .andWhere('last_seq', '<', w.seq)
        .update({ ...w.update, ...w.identifiers, reports_stored: trx.raw('reports_stored + 1') }, ['reports_stored'])) as {
        reports_stored: number | string;
      }[];
      // endpoint_macs followed mac_addresses in this UPDATE (its triggers: migration 20261207100000).
      if (changed) await this.checkClaims(trx, w.endpointId, w.claimed, w.macs, w.at);
      counts[i] = changed ? Number(changed.reports_stored) : null;
    }
    // Into the history ring: the ones the UPDATE did not already write there (on SQLite, all).
    await writeHistory(
      trx,
      writes.flatMap((w, i) => {
        const count = counts[i];
        return count !== null && count !== undefined && !(historyInUpdate && batched[i]) ? [{ ...w, count }] : [];
      }),
    );
    return counts.map((count) => count !== null);
  }

  /**
   * The batched conditional UPDATE of usual reports (at most one per endpoint), one statement
   * per shape and chunk: adds to `updated`, as each statement answers, endpoint → its
   * stored-report count after it, for those it stored. With `historyInUpdate` (PostgreSQL),
   * the same statement writes their history slots. `run` runs each statement (recordReports:
   * again, alone, when PostgreSQL aborted it for a deadlock).
   */
  private async updateUsual(
    db: Knex | Knex.Transaction,
    writes: ReportWrite[],
    historyInUpdate: boolean,
    updated: Map<string, number>,
    run: <T>(statement: () => Promise<T>) => Promise<T> = (statement) => statement(),
  ): Promise<void> {
    // Rows of one statement set the same columns (a report without a user leaves last_user).
    const shapes = new Map<string, ReportWrite[]>();
    for (const w of writes) {
      const shape = Object.keys(w.update).join();
      const same = shapes.get(shape);
      if (same) same.push(w);
      else shapes.set(shape, [w]);
    }
    for (const shape of shapes.values()) {
      for (let i = 0; i < shape.length; i += BATCH_UPDATE_ROWS) {
        const chunk = shape.slice(i, i + BATCH_UPDATE_ROWS);
        const spec: BatchUpdate = {
          table: 'endpoints',
          key: 'id',
          keys: chunk.map((w) => w.endpointId),
          set: chunk.map((w) => w.update),
          unchanged: chunk.map((w) => w.identifiers),
          below: { column: 'last_seq', values: chunk.map((w) => w.seq) },
          counter: 'reports_stored',
          ...(historyInUpdate
            ? {
                alsoInsert: {
                  table: 'report_history',
                  columns: {
                    endpoint_id: '$key',
                    slot: { counterModulo: LIMITS.reportHistory },
                    received_at: 'last_seen_at',
                    seq: 'last_seq',
                    body: 'body',
                  },
                  // The reports themselves: PostgreSQL stores each one's JSON text as sent.
                  carriedJson: { name: 'body', values: chunk.map((w) => w.report) },
                  onConflict: ['endpoint_id', 'slot'],
                },
              }
            : {}),
        };
        const changed = await run(() => batchUpdate(db, spec));
        for (const [id, count] of changed) updated.set(id, count);
      }
    }
  }

  /**
   * An endpoint that reports an identifier another endpoint held first waits for an admin
   * (pending): without this, anyone with the enrollment key could enroll a clone reporting
   * a real device's serial and make both duplicates, keeping the real device out of trust.
   * Holders are the endpoints bound to the value (identifier-bindings.ts), blocked ones
   * included, so blocking a device does not free its identifiers for a clone, and a holder's
   * report that misses the value does not free it either. An approval covers the claims it
   * was given; a new contested identifier makes the endpoint pending again. An endpoint that
   * is not pending binds what it reports.
   */
  private async checkClaims(
    trx: Knex.Transaction,
    endpointId: string,
    claimed: Record<IdentifierColumn, string | null>,
    macs: string[],
    at: number,
  ): Promise<void> {
    const row = await trx('endpoints').where({ id: endpointId }).first('approval', 'approval_claims', 'released_at');
    const approval = (row?.approval as EndpointApproval | null) ?? null;
    if (!holdsClaims({ approval, released_at: row?.released_at ?? null })) return;
    const approved = new Set((approval === 'approved' ? fromJson<IdentifierClaim[]>(row?.approval_claims, []) : []).map(claimKey));
    // No release is under way meanwhile (storeIn holds the releases' lock, shared): the holders
    // read here are the ones a release left, and a release after this one sees these claims.
    const claims = await this.contestedClaims(trx, endpointId, claimed, macs);
    if (claims.every((c) => approved.has(claimKey(c)))) {
      await bindIdentifiers(trx, endpointId, claimed, at);
      return;
    }
    await writeClaims(trx, endpointId, claims, { approval: 'pending' });
  }

  /**
   * What a pending endpoint claims against now: the identifiers it reports today that another
   * endpoint holds today. Its stored claims (approvalClaims) are what it claimed when it
   * enrolled; since then its MachineGuid may have been reset (a cloned disk image given its
   * own), or its holder forgotten and the device enrolled again under a new key that the stored
   * claims do not name. An approval binds what it reports now, so these are what approving it
   * makes duplicates of. Empty for an endpoint that does not exist.
   */
  async claimsNow(id: string): Promise<IdentifierClaim[]> {
    const row = (await this.db('endpoints')
      .where({ id })
      .first('id', ...IDENTIFIER_COLUMN_ENTRIES.map(([, column]) => column), 'mac_addresses')) as EndpointRow | undefined;
    if (!row) return [];
    return this.contestedClaims(this.db, id, claimedColumns(row), fromJson<string[]>(row.mac_addresses, []));
  }

  /**
   * The endpoints pending approval on this one's identifiers: those whose claims name it (what a
   * release judges again), and those that report a value bound to it now (a copy whose holder was
   * forgotten waits on the key the device enrolled again with, though its claims name the
   * forgotten one). How many, and the first `limit`, oldest enrollment first: what releasing
   * this endpoint risks (match/release-caution.ts) and forgetting it leaves waiting. Each source
   * is one indexed read (a UNION, not an OR that would read every pending endpoint).
   */
  async waitingOn(id: string, limit = 20): Promise<WaitingOn> {
    const held = (await this.db('identifier_bindings').where({ endpoint_id: id }).select('kind', 'value')) as {
      kind: string;
      value: string;
    }[];
    // Driven from the sources (each an index read) into the endpoints' primary key: the pending
    // endpoints are never read all (an OR, or an IN on a subquery, let the planners do that).
    const sources = () => {
      const union = this.db('approval_claim_holders').select('endpoint_id').where('holder_id', id);
      for (const [kind, column] of IDENTIFIER_COLUMN_ENTRIES) {
        const values = held.filter((h) => h.kind === kind).map((h) => h.value);
        if (values.length > 0) union.union(this.db('endpoints').select('id as endpoint_id').whereIn(column, values));
      }
      return union.as('w');
    };
    const waiting = () =>
      this.db
        .from(sources())
        .join('endpoints', 'endpoints.id', 'w.endpoint_id')
        .where('endpoints.approval', 'pending')
        .whereNot('endpoints.id', id);
    const counted = (await waiting().count({ n: '*' }).first()) as { n: number | string } | undefined;
    const count = Number(counted?.n ?? 0);
    if (count === 0) return { count, first: [] };
    const rows = (await waiting()
      .orderBy([{ column: 'endpoints.enrolled_at' }, { column: 'endpoints.id' }])
      .limit(limit)
      .select('endpoints.id', 'endpoints.hostname', 'endpoints.enrolled_at')) as Pick<EndpointRow, 'id' | 'hostname' | 'enrolled_at'>[];
    return { count, first: rows.map((r) => ({ id: r.id, hostname: r.hostname ?? null, enrolledAt: Number(r.enrolled_at) })) };
  }

  /** Whom releasing the endpoint would approve now, without releasing it (release-waiters.ts freedByRelease). */
  freedByRelease(id: string): Promise<string[]> {
    return freedByRelease(this.db as Knex, id, Date.now());
  }

  /** The identifiers the endpoint reports that another endpoint holds. */
  private async contestedClaims(
    trx: Knex | Knex.Transaction,
    endpointId: string,
    claimed: Record<IdentifierColumn, string | null>,
    macs: string[],
  ): Promise<IdentifierClaim[]> {
    const claims: IdentifierClaim[] = [];
    for (const [kind, column] of IDENTIFIER_COLUMN_ENTRIES) {
      const value = claimed[column];
      if (value === null) continue;
      const heldBy = await holdersOf(trx, kind, value, endpointId);
      if (heldBy.length > 0) claims.push({ kind, value, heldBy });
    }
    claims.push(...(await macClaims(trx, endpointId, claimed, macs)));
    return claims;
  }

  /**
   * Approves a pending endpoint: its claims count from now on (the pair become duplicates,
   * flagged until an admin blocks one). False when the endpoint is not pending.
   */
  async approve(id: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      // It binds identifiers: a release judging waiters meanwhile would not see these bindings and
      // free a waiter on a value this endpoint then holds too. Before any row (see storeIn).
      await lockReleasesShared(trx);
      if ((await trx('endpoints').where({ id, approval: 'pending' }).update({ approval: 'approved' })) === 0) return false;
      await bindIdentifiers(trx, id, claimedColumns(await trx('endpoints').where({ id }).first()), Date.now());
      return true;
    });
  }

  /**
   * Releases the endpoint's identifiers (docs/enrollment-and-posture.md): it is blocked for
   * good, its bindings end, and each endpoint pending on a claim it held is judged again in
   * enrollment order: one nobody else holds against is approved and binds; the others stay
   * pending against it. Null when there is no such endpoint; `released: false` when it was
   * released before.
   */
  async release(id: string, at: number): Promise<(BindingRelease & { released: true }) | { released: false } | null> {
    return this.db.transaction(async (trx) => {
      await lockReleases(trx);
      const row = await trx<EndpointRow>('endpoints').where({ id }).first();
      if (!row) return null;
      // Conditional, so two releases at once (two admins, two nodes) release once.
      if ((await trx('endpoints').where({ id }).whereNull('released_at').update({ released_at: at, blocked: true })) === 0)
        // On PostgreSQL the row read above may have been forgotten since (the update waited for that DELETE).
        return (await trx('endpoints').where({ id }).first('id')) ? { released: false as const } : null;
      // A released endpoint that was waiting for approval is denied: approving it later must not bind anything.
      await trx('endpoints').where({ id, approval: 'pending' }).update({ approval: 'denied' });
      // Its MAC claims end with the release too (macHolders skips released endpoints): said with the bindings.
      const identifiers = byKind([...(await unbindAll(trx, id)), ...(await heldMacClaims(trx, row))]);
      // Judged again all together (release-waiters.ts), under the lock: a few statements, not a few per waiter.
      const { freed, stillPending } = await rejudgeWaitersOn(trx, id, at);
      return { released: true as const, endpointId: id, identifiers, freed, stillPending };
    });
  }

  /**
   * Makes the caller's transaction the one release under way (release takes it too): a bulk
   * release takes it before its last check of the pair locks any row, so it and a release of
   * the same endpoints wait for each other in one order. Call it on a store bound to a transaction.
   */
  async holdReleases(): Promise<void> {
    await lockReleases(this.db as Knex.Transaction);
  }

  /** Denies a pending endpoint: it is blocked. False when the endpoint is not pending. */
  async deny(id: string): Promise<boolean> {
    return (await this.db('endpoints').where({ id, approval: 'pending' }).update({ approval: 'denied', blocked: true })) > 0;
  }

  async history(id: string): Promise<{ receivedAt: number; seq: number; report: Report }[]> {
    const rows = await this.db<ReportRow>('report_history').where({ endpoint_id: id }).orderBy('seq', 'desc').limit(LIMITS.reportHistory);
    return rows.map((r) => ({ receivedAt: r.received_at, seq: Number(r.seq), report: fromJson<Report>(r.body, {} as Report) }));
  }

  async touch(id: string, at: number): Promise<void> {
    await this.db('endpoints')
      .where({ id })
      .update({ last_seen_at: at, last_seen_hour: lastSeenHourOf(at) });
  }

  async setBlocked(id: string, blocked: boolean): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      // Unblocking a denied endpoint binds identifiers: as approve, not while a release judges.
      if (!blocked) await lockReleasesShared(trx);
      // A released endpoint stays blocked for good: checked here, in the write, so an unblock
      // that passed the service's check just before a release committed changes nothing.
      const row = trx('endpoints').where({ id });
      const changed = (await (blocked ? row : row.whereNull('released_at')).update({ blocked })) > 0;
      // Unblocking a denied endpoint takes it back: its claims count as approved ones.
      if (changed && !blocked && (await trx('endpoints').where({ id, approval: 'denied' }).update({ approval: 'approved' })) > 0)
        await bindIdentifiers(trx, id, claimedColumns(await trx('endpoints').where({ id }).first()), Date.now());
      return changed;
    });
  }

  async setLastVerdict(id: string, username: string, verdict: Verdict & { at: number; transactionId: string }): Promise<void> {
    await this.db('endpoints')
      .where({ id })
      .update({ last_user: username, last_verdict: toJson(verdict) });
  }

  /**
   * Deletes the endpoint (its bindings and its own claims' index rows cascade). The endpoints
   * that waited on it stay pending, on purpose: forgetting is how an admin lets a device enroll
   * again (a lost hardware key, a reinstall), and the endpoints waiting on its identifiers are
   * the ones an admin has not vouched for: a clone of it, or a stolen device's re-image waiting on
   * its blocked key. Judged again here, the first of them would be approved and take the
   * device's identifiers over, and the genuine device's new key would then wait behind its
   * clone. Left pending, they hold nothing, so the device's new key binds its identifiers; an
   * admin approves or denies each (a bulk release skips them: predecessor gone).
   */
  async forget(id: string): Promise<boolean> {
    return (await this.forgetAndTell(id)) !== null;
  }

  /** Whether any identifier is bound to the endpoint's key. */
  async holdsIdentifiers(id: string): Promise<boolean> {
    return (await this.db('identifier_bindings').where({ endpoint_id: id }).first('endpoint_id')) !== undefined;
  }

  /**
   * Forgets the endpoint as `forget` does and answers what that did: the identifiers it held
   * (now free) and the endpoints left pending on it, oldest enrollment first, for an admin to
   * approve or deny. Null when there is no such endpoint.
   */
  async forgetAndTell(id: string): Promise<Omit<BindingRelease, 'freed'> | null> {
    return this.db.transaction(async (trx) => {
      // As a release: what it answers is read with no release under way (one might free these
      // waiters, or a report record a claim on this endpoint, between the reads and the delete).
      await lockReleases(trx);
      // Read before the delete: the bindings cascade with it, and its MAC claims end with the row.
      const row = await trx<EndpointRow>('endpoints').where({ id }).first('mac_addresses', 'released_at', 'approval');
      const identifiers = byKind([
        ...((await trx('identifier_bindings').where({ endpoint_id: id }).orderBy(['kind', 'value']).select('kind', 'value')) as {
          kind: string;
          value: string;
        }[]),
        ...(row ? await heldMacClaims(trx, row) : []),
      ]);
      const stillPending = ((await waitingOnQuery(trx, id, ['id'])) as { id: string }[]).map((row) => row.id);
      if ((await trx('endpoints').where({ id }).delete()) === 0) return null;
      return { endpointId: id, identifiers, stillPending };
    });
  }

  /**
   * How many enrolled endpoints report an identifier value (duplicate detection). Blocked
   * endpoints and those pending approval do not count; `endpointId`, when given, always
   * counts as one (the endpoint being judged reports the value).
   */
  /**
   * countReporting(kind, value, endpoint.id) for every identifier of several endpoints (a
   * listing's page) in one grouped statement per identifier kind: how many enrolled endpoints
   * report each value, the endpoint itself counted once. Keyed by endpoint id.
   */
  async reportingCountsOf(endpoints: readonly Endpoint[]): Promise<Map<string, Partial<Record<SingleIdentifierKind, number>>>> {
    const out = new Map(endpoints.map((e) => [e.id, {} as Partial<Record<SingleIdentifierKind, number>>]));
    for (const [kind, column] of IDENTIFIER_COLUMN_ENTRIES) {
      const values = [...new Set(endpoints.flatMap((e) => (e.identifiers[kind] === undefined ? [] : [e.identifiers[kind]])))];
      if (values.length === 0) continue;
      const reporting = new Map<string, number>();
      for (const part of chunks(values)) {
        const rows = (await counted(this.db('endpoints').whereIn(column, part))
          .select(`${column} as value`)
          .count({ n: '*' })
          .groupBy(column)) as { value: string; n: number | string }[];
        for (const r of rows) reporting.set(r.value, Number(r.n));
      }
      for (const e of endpoints) {
        const value = e.identifiers[kind];
        if (value === undefined) continue;
        // The grouped count includes the endpoint itself when it counts (not blocked, not pending);
        // countReporting counts the others and then the endpoint once, whatever its standing.
        const itself = !e.blocked && e.approval !== 'pending' ? 1 : 0;
        (out.get(e.id) as Partial<Record<SingleIdentifierKind, number>>)[kind] = Math.max(0, (reporting.get(value) ?? 0) - itself) + 1;
      }
    }
    return out;
  }

  async countReporting(kind: SingleIdentifierKind, value: string, endpointId?: string): Promise<number> {
    let q = counted(this.db('endpoints').where(IDENTIFIER_COLUMNS[kind], value));
    if (endpointId !== undefined) q = q.whereNot({ id: endpointId });
    const row = await q.count({ n: '*' }).first();
    return Number(row?.n ?? 0) + (endpointId !== undefined ? 1 : 0);
  }
}
