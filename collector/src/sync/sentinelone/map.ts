import type { Platform } from '@devtrust/shared/identity';
import { lookup, text, timestamp, vendorRecord } from '../kit/index.js';
import type { SourceDevice } from '../source.js';

/** One agent of `GET /web/api/v2.1/agents` (`data[]`). Only the fields we read. */
export interface S1Agent {
  id?: unknown;
  uuid?: unknown;
  computerName?: unknown;
  serialNumber?: unknown;
  osType?: unknown;
  osName?: unknown;
  osRevision?: unknown;
  agentVersion?: unknown;
  infected?: unknown;
  activeThreats?: unknown;
  networkStatus?: unknown;
  isActive?: unknown;
  isDecommissioned?: unknown;
  isUninstalled?: unknown;
  lastActiveDate?: unknown;
  networkInterfaces?: { physical?: unknown; name?: unknown }[] | null;
}

const PLATFORMS: Record<string, Platform> = { windows: 'windows', macos: 'macos', linux: 'linux' };

/** Network quarantine states ("Disconnect from Network"): SentinelOne cut the endpoint off. */
const QUARANTINED = new Set(['disconnected', 'disconnecting']);

/**
 * Compromise rule: `infected: true`, `activeThreats > 0`, or network quarantine
 * (`networkStatus` disconnected/disconnecting) → compromised; a decommissioned or
 * uninstalled agent → unknown (it no longer protects anything); `infected: false` with
 * no active threats → clean; missing fields → unknown.
 */
export function edrStatusOf(agent: S1Agent): { status: 'compromised' | 'clean' | 'unknown'; detail: string } {
  const threats = typeof agent.activeThreats === 'number' ? agent.activeThreats : null;
  const network = text(agent.networkStatus);
  if (agent.infected === true)
    return { status: 'compromised', detail: `SentinelOne reports the agent infected (${threats ?? 0} active threats)` };
  if (threats !== null && threats > 0) return { status: 'compromised', detail: `SentinelOne reports ${threats} active threats` };
  if (network && QUARANTINED.has(network)) return { status: 'compromised', detail: `SentinelOne network quarantine: ${network}` };
  if (agent.isDecommissioned === true || agent.isUninstalled === true) {
    return { status: 'unknown', detail: 'the SentinelOne agent is decommissioned or uninstalled' };
  }
  if (agent.infected === false && (threats === null || threats === 0))
    return { status: 'clean', detail: 'SentinelOne reports no infection and no active threats' };
  return { status: 'unknown', detail: 'SentinelOne did not state whether the agent is infected' };
}

export function mapAgent(agent: S1Agent): SourceDevice {
  vendorRecord(agent, 'SentinelOne');
  const connectorId = text(agent.uuid);
  const { status, detail } = edrStatusOf(agent);
  const platform = lookup(PLATFORMS, text(agent.osType)?.toLowerCase() ?? null);
  return {
    externalId: connectorId,
    serialNumber: text(agent.serialNumber),
    macAddresses: Array.isArray(agent.networkInterfaces) ? agent.networkInterfaces.map((i) => text(i?.physical)) : [],
    deviceName: text(agent.computerName),
    platform,
    edr: { connectorId, status, detail, seenAt: timestamp(agent.lastActiveDate) },
    // On macOS `osRevision` is the OS version ("14.4.1 (23E224)"); on Windows only a build number.
    posture: { osVersion: platform === 'macos' ? text(agent.osRevision) : null },
    raw: {
      os: text(agent.osName),
      agentVersion: text(agent.agentVersion),
      lastActive: text(agent.lastActiveDate),
      networkStatus: text(agent.networkStatus),
      agentId: text(agent.id),
    },
  };
}
