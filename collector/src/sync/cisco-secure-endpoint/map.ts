import type { Platform } from '@devtrust/shared/identity';
import { text, timestamp, vendorRecord } from '../kit/index.js';
import type { SourceDevice } from '../source.js';

/**
 * One computer of `GET /v1/computers` (Secure Endpoint API v1). Only the fields we read;
 * `hardware.serial` is read when present (newer connectors report it) and never relied on.
 */
export interface AmpComputer {
  connector_guid?: unknown;
  hostname?: unknown;
  active?: unknown;
  operating_system?: unknown;
  os_version?: unknown;
  connector_version?: unknown;
  is_compromised?: unknown;
  isolation?: { available?: unknown; status?: unknown } | null;
  last_seen?: unknown;
  network_addresses?: { mac?: unknown; ip?: unknown }[] | null;
  hardware?: { serial?: unknown } | null;
  group_guid?: unknown;
}

/** Isolation states in which Secure Endpoint has cut the computer off (or is about to). */
const ISOLATED = new Set(['isolated', 'pending_start']);

export function platformOf(os: unknown): Platform | null {
  const name = typeof os === 'string' ? os.toLowerCase() : '';
  if (name.includes('windows')) return 'windows';
  if (name.includes('mac') || name.includes('os x')) return 'macos';
  if (name.includes('ios')) return 'ios';
  if (name.includes('android')) return 'android';
  if (name.includes('linux') || name.includes('centos') || name.includes('ubuntu') || name.includes('red hat')) return 'linux';
  return null;
}

/**
 * Compromise rule: `is_compromised: true` (Secure Endpoint's own verdict, shown as
 * "Compromised" in its console) or an isolated connector → compromised; an explicit
 * `is_compromised: false` → clean; no such field → unknown (never a silent clean).
 */
export function edrStatusOf(computer: AmpComputer): { status: 'compromised' | 'clean' | 'unknown'; detail: string } {
  const isolation = text(computer.isolation?.status);
  if (computer.is_compromised === true) return { status: 'compromised', detail: 'Secure Endpoint marks the computer compromised' };
  if (isolation && ISOLATED.has(isolation)) return { status: 'compromised', detail: `Secure Endpoint isolation status is ${isolation}` };
  if (computer.is_compromised === false) return { status: 'clean', detail: 'Secure Endpoint reports no compromise' };
  return { status: 'unknown', detail: 'Secure Endpoint did not state whether the computer is compromised' };
}

export function mapComputer(computer: AmpComputer): SourceDevice {
  vendorRecord(computer, 'Cisco Secure Endpoint');
  const connectorId = text(computer.connector_guid);
  const { status, detail } = edrStatusOf(computer);
  const os = [text(computer.operating_system), text(computer.os_version)].filter(Boolean).join(' ');
  return {
    externalId: connectorId,
    serialNumber: text(computer.hardware?.serial),
    macAddresses: Array.isArray(computer.network_addresses) ? computer.network_addresses.map((a) => text(a?.mac)) : [],
    deviceName: text(computer.hostname),
    platform: platformOf(computer.operating_system),
    edr: { connectorId, status, detail, seenAt: timestamp(computer.last_seen) },
    // `os_version` is the dotted OS version ("10.0.19044.1466"); kept only when it is one.
    posture: { osVersion: text(computer.os_version) },
    raw: {
      os: os || null,
      connectorVersion: text(computer.connector_version),
      lastSeen: text(computer.last_seen),
      active: typeof computer.active === 'boolean' ? computer.active : null,
      isolation: text(computer.isolation?.status),
    },
  };
}
