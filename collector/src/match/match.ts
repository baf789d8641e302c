import { IDENTIFIER_LABELS, MATCH_ORDER, type IdentifierKind, type Identifiers, type Platform } from '@devtrust/shared/identity';
import type { Integration } from '../domain/integration.js';
import type { StoredInventoryRecord } from '../domain/inventory.js';

/** The device side of a match: what the agent attested, normalised. */
export interface DeviceFacts {
  platform: Platform | null;
  identifiers: Identifiers;
  /**
   * Blocked by an administrator: what it reports counts against no other endpoint
   * (EndpointsRepo.countReporting), so a value it shares is no duplicate for the other, which
   * may be trusted through it. Its own match must not say the value trusts "none of them".
   */
  blocked?: boolean;
}

/** An inventory integration as matching sees it for one user. */
export interface IntegrationView {
  integration: Integration;
  /** Null when active for the user; else why not ("disabled", "user not in test groups …"). */
  inactiveReason: string | null;
  matchMacAddresses: boolean;
}

/** Everything the store holds for one identifier value of the device. */
export interface IdentifierLookup {
  kind: IdentifierKind;
  value: string;
  records: StoredInventoryRecord[];
  /** How many enrolled endpoints report this value (more than one: flagged). */
  endpointsReporting: number;
}

export interface MatchedRecord {
  integrationId: string;
  integrationName: string;
  integrationKind: string;
  recordId: string;
  deviceName: string | null;
  /** `mdmDeviceId`: matched by the MDM-asserted identity (match/assertion.ts). */
  kind: IdentifierKind | 'mdmDeviceId';
  value: string;
}

export interface MatchResult {
  trusted: boolean;
  match: MatchedRecord | null;
  reasons: string[];
  /** Identifier problems worth an admin's attention (duplicates). */
  flags: string[];
  /**
   * The reasons also say why the endpoint is blocked (an administrator denied or released it):
   * a verdict and the endpoint's page give them as the block's cause, not beside a bare "an
   * administrator blocked this endpoint" that reads as a second action.
   */
  explainsBlock?: boolean;
}

const describeIntegration = (i: Integration): string => `"${i.name}" (${i.kind})`;

/**
 * Matching rules (SPEC "Matching identifiers"), pure: tries hardware UUID, serial number,
 * MachineGuid, then MAC (where the integration allows it), across every MDM integration
 * active for the user that covers the device's platform. Duplicates are never trusted.
 */
export function matchDevice(device: DeviceFacts, integrations: IntegrationView[], lookups: IdentifierLookup[]): MatchResult {
  const reasons: string[] = [];
  const flags: string[] = [];
  const usable = new Map<string, IntegrationView>();
  for (const view of integrations) {
    if (view.integration.category !== 'mdm') continue;
    if (view.inactiveReason !== null) {
      reasons.push(`integration ${describeIntegration(view.integration)} not applied: ${view.inactiveReason}`);
    } else if (device.platform !== null && !view.integration.platforms.includes(device.platform)) {
      reasons.push(`integration ${describeIntegration(view.integration)} does not cover ${device.platform}`);
    } else {
      usable.set(view.integration.id, view);
    }
  }
  if (usable.size === 0) {
    return {
      trusted: false,
      match: null,
      reasons: ['untrusted: no device inventory applies to this user and platform', ...reasons],
      flags,
    };
  }
  if (Object.keys(device.identifiers).length === 0) {
    return { trusted: false, match: null, reasons: ['untrusted: the device reported no usable identifier', ...reasons], flags };
  }

  const macOff = new Map<string, { integration: Integration; record: StoredInventoryRecord; label: string }>();
  /** Kinds skipped because another enrolled endpoint reports the same value: no record was looked for. */
  const shared = new Set<IdentifierKind>();
  for (const kind of MATCH_ORDER) {
    for (const lookup of lookups.filter((l) => l.kind === kind)) {
      const label = `${IDENTIFIER_LABELS[kind]} ${lookup.value}`;
      if (lookup.endpointsReporting > 1) {
        shared.add(kind);
        if (device.blocked) {
          reasons.push(sharedWhileBlocked(label, lookup.endpointsReporting - 1));
          continue;
        }
        const flag = `${label} is reported by ${lookup.endpointsReporting} enrolled endpoints; it is not used to trust any of them`;
        flags.push(flag);
        reasons.push(flag);
        continue;
      }
      const byIntegration = new Map<string, StoredInventoryRecord[]>();
      for (const record of lookup.records) {
        const view = usable.get(record.integrationId);
        if (!view) continue;
        if (kind === 'macAddress' && !view.matchMacAddresses) {
          // Not a match, but the reason must not claim no record holds the MAC.
          if (!macOff.has(view.integration.id)) macOff.set(view.integration.id, { integration: view.integration, record, label });
          continue;
        }
        byIntegration.set(record.integrationId, [...(byIntegration.get(record.integrationId) ?? []), record]);
      }
      for (const [integrationId, records] of byIntegration) {
        const integration = (usable.get(integrationId) as IntegrationView).integration;
        if (records.length > 1) {
          const flag = `${label} is held by ${records.length} records of ${describeIntegration(integration)}; it is not trusted`;
          flags.push(flag);
          reasons.push(flag);
          continue;
        }
        const record = records[0] as StoredInventoryRecord;
        if (record.platform && device.platform && record.platform !== device.platform) {
          reasons.push(
            `${label} is in ${describeIntegration(integration)} for a ${record.platform} device, but this device reports ${device.platform}`,
          );
          continue;
        }
        if (record.managed === false) {
          reasons.push(`${label} is in ${describeIntegration(integration)} but the device is not managed there`);
          continue;
        }
        const match: MatchedRecord = {
          integrationId,
          integrationName: integration.name,
          integrationKind: integration.kind,
          recordId: record.id,
          deviceName: record.deviceName ?? null,
          kind,
          value: lookup.value,
        };
        const name = record.deviceName ? ` "${record.deviceName}"` : '';
        return {
          trusted: true,
          match,
          reasons: [`trusted: ${label} matches record${name} of integration ${describeIntegration(integration)}`, ...reasons],
          flags,
        };
      }
    }
  }
  const checked = [...usable.values()].map((v) => describeIntegration(v.integration)).join(', ');
  const kinds = MATCH_ORDER.filter((k) =>
    k === 'macAddress' ? (device.identifiers.macAddresses?.length ?? 0) > 0 : device.identifiers[k] !== undefined && !shared.has(k),
  )
    .map((k) => IDENTIFIER_LABELS[k])
    .join(', ');
  // Every identifier it reports was skipped as shared: no record was looked for, so "no record
  // matches" would be false (the other endpoint may be trusted through the very same record).
  if (kinds === '')
    return {
      trusted: false,
      match: null,
      reasons: [
        'untrusted: another enrolled endpoint reports every identifier this device reports, so none tells it apart (below)',
        ...reasons,
      ],
      flags,
    };
  const off = [...macOff.values()].map(({ integration, record, label }) => {
    const where = usable.size === 1 ? 'this integration' : describeIntegration(integration);
    const name = record.deviceName ? ` "${record.deviceName}"` : '';
    return ` (MAC matching is off for ${where}: record${name} holds ${label}; set matchMacAddresses to match on it)`;
  });
  return {
    trusted: false,
    match: null,
    reasons: [`untrusted: no record in ${checked} matches this device's ${kinds}${off.join('')}`, ...reasons],
    flags,
  };
}

/**
 * A value a blocked endpoint shares with `others` enrolled endpoints: it counts against none of
 * them (they may be trusted through it), and is not used to trust this one, which would share it
 * with them the moment it were unblocked.
 */
function sharedWhileBlocked(label: string, others: number): string {
  const them = others === 1 ? 'another enrolled endpoint' : `${others} other enrolled endpoints`;
  return `${label} is also reported by ${them}; this endpoint is blocked, so it does not count against ${others === 1 ? 'it' : 'them'}, and it is not used to trust this one`;
}
