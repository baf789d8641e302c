import { IDENTIFIER_LABELS, type IdentifierKind } from '@devtrust/shared/identity';
import { endpointLabel } from '../domain/endpoint-label.js';
import { utcTime } from './ctl-render.js';

/**
 * `devtrustctl endpoints`: what each pending endpoint waits on, one cell, from the listing's
 * `waitsOn` (docs/admin-api.md): 'MachineGuid held by ep_… "LAPTOP-12"', the holders of a
 * copy of two devices' identifiers joined with "; ". The admin sees which endpoint to release,
 * or which device this one copies, without opening each pending endpoint.
 */

interface WaitsOn {
  id: string;
  hostname: string | null;
  kinds: string[];
  standing: string;
  reportedSince?: boolean | null;
  lastSeenAt?: number | null;
}

/**
 * How the holder stands: blocked (a stolen device?), released or forgotten each change what to
 * do; one that holds them says whether it is in use (connected, or reported since the pending
 * endpoint enrolled: a copy's real device) or when it last reported (a re-imaged laptop's old key
 * reported last before its new key enrolled).
 */
function standing(w: WaitsOn): string {
  if (w.standing !== 'holds') return ` (${w.standing})`;
  if (w.reportedSince === true) return ' (still reporting)';
  // Not "quiet": it is not connected here and has not reported since (agents report every 15
  // minutes, and it may be connected to another collector).
  if (typeof w.lastSeenAt === 'number') return ` (last report ${utcTime(w.lastSeenAt).slice(0, 16)} UTC)`;
  return '';
}

const kindLabel = (kind: string): string => IDENTIFIER_LABELS[kind as IdentifierKind] ?? kind;

export function waitsOnCell(waitsOn: unknown, count?: unknown, outdated?: unknown): string | null {
  if (!Array.isArray(waitsOn)) return null;
  const cells = (waitsOn as WaitsOn[]).map((w) => {
    const state = standing(w);
    // Id first, hostname quoted and short: the table cuts the cell, and the hostname is the agent's.
    return `${w.kinds.map(kindLabel).join(', ')} held by ${endpointLabel(w, 24)}${state}`;
  });
  const more = typeof count === 'number' && count > cells.length ? `; and ${count - cells.length} more (endpoint show ID)` : '';
  // Its claims changed since it enrolled and were not read again for this page.
  const stale = outdated === true ? '; may be out of date (endpoint show ID)' : '';
  return cells.join('; ') + more + stale;
}

/** The endpoints table's columns: `waitsOn` last, when the page holds a pending endpoint. */
export function endpointColumns(rows: readonly Record<string, unknown>[]): string[] {
  const columns = ['id', 'hostname', 'platform', 'trusted', 'approval', 'blocked', 'connected', 'lastUser', 'keyKind'];
  return rows.some((r) => Array.isArray(r.waitsOn) && r.waitsOn.length > 0) ? [...columns, 'waitsOn'] : columns;
}
