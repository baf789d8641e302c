import { identifiersOf } from '@devtrust/shared/identity';
import type { ReportToStore } from '../../domain/endpoint.js';
import { IDENTIFIER_COLUMN_ENTRIES, type IdentifierColumn } from '../identifier-columns.js';
import { toJson } from '../json.js';

// What EndpointsRepo.recordReports writes per report, worked out before its transaction.

/** Endpoint rows per batched report UPDATE (bound parameters stay far below either database's limit). */
export const BATCH_UPDATE_ROWS = 250;

export type ReportWrite = ReturnType<typeof reportWrite>;

/** Reports per history trim, at most (see recordReports). */
const TRIM_EVERY = 10;

/**
 * Whether storing this report trims its endpoint's history: when its sequence is in another
 * ten than the last stored one. `previousSeq` is never newer than the real last sequence, so
 * an endpoint goes at most TRIM_EVERY - 1 stored reports without a trim; without it, always.
 */
export function trimsHistory(w: { seq: number; previousSeq?: number }): boolean {
  return w.previousSeq === undefined || Math.floor(w.seq / TRIM_EVERY) !== Math.floor(w.previousSeq / TRIM_EVERY);
}

/** What storing one report writes, worked out once (identifiers normalised, JSON encoded once). */
export function reportWrite({ endpointId, seq, report, at, previousSeq }: ReportToStore) {
  // The one place a report's identifiers are normalised: endpoints keep them so.
  const ids = identifiersOf(report.identity);
  const claimed = Object.fromEntries(IDENTIFIER_COLUMN_ENTRIES.map(([kind, column]) => [column, ids[kind] ?? null])) as Record<
    IdentifierColumn,
    string | null
  >;
  const body = toJson(report);
  return {
    endpointId,
    seq,
    at,
    ...(previousSeq !== undefined ? { previousSeq } : {}),
    body,
    claimed,
    macs: ids.macAddresses ?? [],
    /** The columns a report of known identifiers changes. */
    update: {
      last_seq: seq,
      last_seen_at: at,
      platform: report.identity.platform ?? null,
      hostname: report.identity.hostname ?? null,
      report: body,
      ...(report.user ? { last_user: report.user } : {}),
    } as Record<string, unknown>,
    /** The identifiers as stored: unchanged, they need no claim check. */
    identifiers: { ...claimed, mac_addresses: toJson(ids.macAddresses ?? []) } as Record<string, unknown>,
  };
}
