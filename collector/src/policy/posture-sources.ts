import type { Platform } from '@devtrust/shared/identity';
import type { IdentifierLookup, IntegrationView, MatchResult } from '../match/match.js';
import type { Integration } from '../domain/integration.js';
import type { StoredInventoryRecord } from '../domain/inventory.js';
import { sourceKind } from '../sync/registry.js';
import type { PostureSource } from './health.js';

/** `Microsoft Intune "Corp Intune"`: the vendor, then the admin's name for the integration. */
export function sourceLabel(integration: Integration): string {
  return `${sourceKind(integration.kind)?.vendorName ?? integration.kind} "${integration.name}"`;
}

function fromRecord(integration: Integration, record: StoredInventoryRecord): PostureSource | null {
  const p = record.posture;
  if (!p) return null;
  return {
    label: sourceLabel(integration),
    diskEncryption: p.diskEncryption ?? null,
    firewall: p.firewall ?? null,
    osVersion: p.osVersion ?? null,
  };
}

/**
 * The integrations that report posture for a trusted device, MDM first: the record the
 * device matched, then each applicable EDR integration holding exactly one record for an
 * identifier the device reports (and no other endpoint does). An untrusted device has no
 * record that is known to be it, so only its agent speaks for it.
 */
export function postureSources(
  match: MatchResult,
  lookups: IdentifierLookup[],
  views: IntegrationView[],
  platform: Platform | null,
  /** The record an MDM-asserted identity proved, which no identifier look-up holds (a mobile client reports none). */
  asserted: StoredInventoryRecord | null = null,
): PostureSource[] {
  if (!match.trusted || match.match === null) return [];
  const out: PostureSource[] = [];
  const unique = lookups.filter((l) => l.kind !== 'macAddress' && l.endpointsReporting <= 1);
  const matchedView = views.find((v) => v.integration.id === match.match?.integrationId);
  const matched =
    asserted?.id === match.match.recordId ? asserted : unique.flatMap((l) => l.records).find((r) => r.id === match.match?.recordId);
  const mdm = matchedView && matched ? fromRecord(matchedView.integration, matched) : null;
  if (mdm) out.push(mdm);
  for (const view of views) {
    const { integration } = view;
    if (integration.category !== 'edr' || view.inactiveReason !== null) continue;
    if (platform !== null && !integration.platforms.includes(platform)) continue;
    const records = new Map<string, StoredInventoryRecord>();
    for (const lookup of unique) for (const r of lookup.records) if (r.integrationId === integration.id) records.set(r.id, r);
    if (records.size !== 1) continue;
    const edr = fromRecord(integration, [...records.values()][0] as StoredInventoryRecord);
    if (edr) out.push(edr);
  }
  return out;
}
