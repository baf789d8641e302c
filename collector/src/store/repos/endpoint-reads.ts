import type { Knex } from 'knex';
import { LIMITS } from '@devtrust/shared/protocol';

// How endpoint rows are read with what no longer lives in them (migrations
// 20261204100000_latest_report_in_history, 20261204100100_last_seen_hour).

/**
 * The endpoints, each with its latest report as `report`: the history ring's slot
 * reports_stored mod N (the k-th stored report is in slot k mod N), one primary-key lookup per
 * endpoint. An endpoint that stored no report has none (no row in its slot 0).
 */
export function withLatestReport(db: Knex | Knex.Transaction, builder: Knex.QueryBuilder): Knex.QueryBuilder {
  return builder.select('endpoints.*', 'latest_report.body as report').leftJoin('report_history as latest_report', function latestSlot() {
    this.on('latest_report.endpoint_id', '=', 'endpoints.id').andOn(
      'latest_report.slot',
      '=',
      db.raw(`endpoints.reports_stored % ${LIMITS.reportHistory}`),
    );
  });
}

const HOUR_MS = 3_600_000;

/**
 * The hour an endpoint was last seen (its start, in ms): what the lastSeen listing pages by.
 * Written with last_seen_at, from the same time, so it is always this of it.
 */
export const lastSeenHourOf = (at: number): number => at - (at % HOUR_MS);
