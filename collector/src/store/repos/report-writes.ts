import type { Knex } from 'knex';
import { identifiersOf } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
import { driverStatement, forDb, runOnDriver } from '../driver-statements.js';
import { postgresJson, sqliteJson, jsonText, type JsonRows } from '../json-rows.js';
import type { ReportToStore } from '../../domain/endpoint.js';
import { IDENTIFIER_COLUMN_ENTRIES, type IdentifierColumn } from '../identifier-columns.js';
import { toJson } from '../json.js';
import { usernameOrNull } from '../../domain/user.js';
import { lastSeenHourOf } from './endpoint-reads.js';
import { placeholderColumn } from './endpoint-placeholders.js';

// What EndpointsRepo.recordReports writes per report, worked out before its transaction.

/** Endpoint rows per batched report UPDATE (bound parameters stay far below either database's limit). */
export const BATCH_UPDATE_ROWS = 250;

export type ReportWrite = ReturnType<typeof reportWrite>;

/** The history upsert, one JSON array of rows per statement. `where true`: SQLite reads an upsert's ON after a bare FROM as a join constraint. */
const historyUpsert = (json: JsonRows): string =>
  `insert into report_history (endpoint_id, slot, seq, received_at, body) select ${json.member(0, 'text')}, ` +
  `${json.member(1, 'integer')}, ${json.member(2, 'bigint')}, ${json.member(3, 'bigint')}, ${json.member(4, 'text')} ` +
  `from ${json.rows} where true ` +
  'on conflict (endpoint_id, slot) do update set seq = excluded.seq, received_at = excluded.received_at, body = excluded.body';
const WRITE_HISTORY = {
  sqlite: driverStatement('devtrust_write_history', historyUpsert(sqliteJson)).sqlite,
  postgres: driverStatement('devtrust_write_history', historyUpsert(postgresJson)).postgres,
};

/**
 * Writes stored reports into their endpoints' history rings: an endpoint's k-th stored
 * report goes to slot k mod LIMITS.reportHistory, overwriting the report stored that many
 * before it. So the history is always the last N stored reports, whatever their sequence
 * numbers (an agent skips one for every send that failed), and nothing is ever trimmed.
 * Of two reports for one slot in a batch (more than N of one endpoint), the later is kept:
 * PostgreSQL refuses an upsert that changes one row twice.
 */
export async function writeHistory(db: Knex | Knex.Transaction, writes: (ReportWrite & { count: number })[]): Promise<void> {
  const rows = new Map<string, ReportWrite & { count: number }>();
  for (const w of writes) rows.set(`${w.endpointId} ${w.count % LIMITS.reportHistory}`, w);
  const all = [...rows.values()];
  if (all.length === 0) return;
  await runOnDriver(db as Knex, forDb(db as Knex, WRITE_HISTORY), [
    jsonText(all.map((w) => [w.endpointId, w.count % LIMITS.reportHistory, w.seq, w.at, w.body])),
  ]);
}

/** What storing one report writes, worked out once (identifiers normalised, JSON encoded once). */
export function reportWrite({ endpointId, seq, report, at }: ReportToStore) {
  // The one place a report's identifiers are normalised: endpoints keep them so.
  const ids = identifiersOf(report.identity);
  const claimed = Object.fromEntries(IDENTIFIER_COLUMN_ENTRIES.map(([kind, column]) => [column, ids[kind] ?? null])) as Record<
    IdentifierColumn,
    string | null
  >;
  let body: string | null = null;
  return {
    endpointId,
    seq,
    at,
    report,
    /**
     * The report's JSON, as the history stores it; made when first read: PostgreSQL's batch of
     * usual reports sends the reports as one JSON array instead (batch-update.ts `carriedJson`).
     */
    get body(): string {
      return (body ??= toJson(report));
    },
    claimed,
    macs: ids.macAddresses ?? [],
    /** The columns a report of known identifiers changes (the report itself goes to the history ring alone). */
    update: {
      last_seq: seq,
      last_seen_at: at,
      // Changes once an hour: on PostgreSQL the usual report then changes no indexed column.
      last_seen_hour: lastSeenHourOf(at),
      platform: report.identity.platform ?? null,
      hostname: report.identity.hostname ?? null,
      // A user that cannot be a username (longer than the limit once lower-cased) is stored as
      // none: kept, it would fail every verdict read for the endpoint. The session logs it.
      ...(report.user ? { last_user: usernameOrNull(report.user) === null ? null : report.user } : {}),
    } as Record<string, unknown>,
    /**
     * The identifiers as stored: unchanged, they need no claim check. With them the kinds
     * reported as placeholders, which the columns do not keep (the findings list them).
     */
    identifiers: {
      ...claimed,
      mac_addresses: toJson(ids.macAddresses ?? []),
      placeholder_kinds: placeholderColumn(report),
    } as Record<string, unknown>,
  };
}
