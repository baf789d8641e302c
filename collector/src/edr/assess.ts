import type { Platform } from '@devtrust/shared/identity';
import type { IntegrationView } from '../match/match.js';
import type { EdrAssessment } from '../policy/decide.js';
import type { Integration } from '../domain/integration.js';
import type { StoredInventoryRecord } from '../domain/inventory.js';
import type { SourceDevice } from '../sync/source.js';
import { freshnessOf } from './freshness.js';

export type EdrStatus = 'compromised' | 'clean' | 'unknown';

/** What an on-demand lookup of one connector gave. */
export type LookupOutcome = { outcome: 'found'; device: SourceDevice } | { outcome: 'not-found' } | { outcome: 'failed'; message: string };

/** Everything known about one applicable EDR integration for one endpoint. */
export interface EdrEvidence {
  integration: Integration;
  syncedAt: number | null;
  freshnessMs: number;
  now: number;
  /** The connector/agent ID the endpoint's agent reports for this vendor, as reported. */
  connectorId: string | null;
  /** Whether the agent says that connector is running (undefined: not reported). */
  connectorRunning?: boolean | undefined;
  /** Records of the current inventory found by connector ID, else by serial number. */
  found: { by: 'connector ID' | 'serial number'; value: string; records: StoredInventoryRecord[] } | null;
  lookup: LookupOutcome | null;
}

export interface EdrJudgement {
  status: EdrStatus;
  reason: string;
}

const nameOf = (i: Integration): string => `EDR "${i.name}" (${i.kind})`;

/** Null when the EDR integration applies to this user and device, else why not. */
export function notAppliedReason(view: IntegrationView, platform: Platform | null): string | null {
  if (view.inactiveReason !== null) return `${nameOf(view.integration)} not applied: ${view.inactiveReason}`;
  if (platform !== null && !view.integration.platforms.includes(platform)) return `${nameOf(view.integration)} does not cover ${platform}`;
  return null;
}

/**
 * Whether synced data cannot answer and the vendor should be asked now: the data is
 * stale, or the last sync did not hold this connector (installed since). Only possible
 * when the agent reported a connector ID.
 */
export function needsLookup(evidence: Omit<EdrEvidence, 'lookup'>): boolean {
  if (evidence.connectorId === null) return false;
  const fresh = freshnessOf(evidence.syncedAt, evidence.freshnessMs, evidence.now).fresh;
  return !fresh || evidence.found === null || evidence.found.records.length === 0;
}

function fromRecord(record: StoredInventoryRecord): { status: EdrStatus; detail: string } {
  if (!record.edr) return { status: 'unknown', detail: 'the record carries no EDR status' };
  return { status: record.edr.status, detail: record.edr.detail ?? record.edr.status };
}

function seen(seenAt: number | null | undefined, now: number): string {
  if (!seenAt) return '';
  const minutes = Math.max(0, Math.round((now - seenAt) / 60_000));
  return `; the connector last checked in ${minutes < 1 ? 'under a minute' : `${minutes} min`} ago`;
}

/**
 * One integration's verdict on the device, pure. Fresh synced data answers; stale or
 * missing data is replaced by an on-demand lookup when one succeeded; otherwise the
 * status is "unknown", never a silent "clean".
 */
export function judge(evidence: EdrEvidence): EdrJudgement {
  const name = nameOf(evidence.integration);
  const freshness = freshnessOf(evidence.syncedAt, evidence.freshnessMs, evidence.now);
  const running = evidence.connectorRunning === false ? '; the agent reports the connector is not running' : '';
  const { lookup, found } = evidence;
  const connector = evidence.connectorId === null ? null : `connector ${evidence.connectorId}`;

  if (lookup?.outcome === 'found') {
    const status = lookup.device.edr?.status ?? 'unknown';
    const detail = lookup.device.edr?.detail ?? status;
    return {
      status,
      reason: `${name}: ${status} (${detail}) for ${connector}, looked up just now; synced data ${freshness.description}${seen(lookup.device.edr?.seenAt, evidence.now)}${running}`,
    };
  }
  const records = found?.records ?? [];
  if (records.length > 1) {
    const statuses = records.map((r) => fromRecord(r).status);
    const label = `${records.length} records hold ${found?.by} ${found?.value}`;
    if (statuses.includes('compromised') && freshness.fresh)
      return { status: 'compromised', reason: `${name}: compromised — ${label} and one of them is compromised; ${freshness.description}` };
    return { status: 'unknown', reason: `${name}: unknown — ${label}, so none is used to call the device clean; ${freshness.description}` };
  }
  const record = records[0];
  if (record && freshness.fresh) {
    const { status, detail } = fromRecord(record);
    return {
      status,
      reason: `${name}: ${status} (${detail}), matched on ${found?.by} ${found?.value}; ${freshness.description}${seen(record.edr?.seenAt, evidence.now)}${running}`,
    };
  }
  const why =
    lookup?.outcome === 'failed'
      ? `the on-demand lookup of ${connector} failed: ${lookup.message}`
      : lookup?.outcome === 'not-found'
        ? `${evidence.integration.kind} does not know ${connector}`
        : connector === null
          ? 'the agent reports no connector ID for it to look up'
          : 'no lookup was possible';
  if (record) {
    const last = fromRecord(record);
    return {
      status: 'unknown',
      reason: `${name}: unknown — last known ${last.status} is stale (${freshness.description}) and ${why}${running}`,
    };
  }
  const missing = connector ? `no record of ${connector}` : 'the agent reports no connector and no record holds its serial number';
  return { status: 'unknown', reason: `${name}: unknown — ${missing} (${freshness.description}); ${why}${running}` };
}

/**
 * The device's EDR status across applicable integrations: compromised if any says so,
 * else clean if any says clean, else unknown; "none" when no EDR integration applies.
 */
export function combine(judgements: EdrJudgement[], notApplied: string[]): EdrAssessment {
  if (judgements.length === 0) {
    return {
      status: 'none',
      reasons: notApplied.length > 0 ? ['EDR: no EDR integration applies to this user and device', ...notApplied] : [],
    };
  }
  const statuses = judgements.map((j) => j.status);
  const status: EdrStatus = statuses.includes('compromised') ? 'compromised' : statuses.includes('clean') ? 'clean' : 'unknown';
  return { status, reasons: [`EDR status: ${status}`, ...judgements.map((j) => j.reason), ...notApplied] };
}
