import type { Platform } from '@devtrust/shared/identity';
import { lookup, text, timestamp, vendorRecord } from '../kit/index.js';
import type { SourceDevice } from '../source.js';

/** One host of `POST /devices/entities/devices/v2` (`resources[]`). Only the fields we read. */
export interface FalconHost {
  device_id?: unknown;
  hostname?: unknown;
  serial_number?: unknown;
  mac_address?: unknown;
  platform_name?: unknown;
  os_version?: unknown;
  kernel_version?: unknown;
  agent_version?: unknown;
  status?: unknown;
  last_seen?: unknown;
  reduced_functionality_mode?: unknown;
  product_type_desc?: unknown;
}

const PLATFORMS: Record<string, Platform> = { windows: 'windows', mac: 'macos', linux: 'linux', ios: 'ios', android: 'android' };

/**
 * Compromise rule: Falcon's network containment is the vendor's "this host is
 * compromised" action, so `status` contained or containment_pending → compromised;
 * normal or lift_containment_pending → clean; anything else → unknown.
 * Open detections are not used: analysts triage them, and one low-severity alert must
 * not lock a user out (an admin who wants that contains the host).
 */
export function edrStatusOf(host: FalconHost): { status: 'compromised' | 'clean' | 'unknown'; detail: string } {
  const status = text(host.status);
  switch (status) {
    case 'contained':
      return { status: 'compromised', detail: 'Falcon has network-contained the host' };
    case 'containment_pending':
      return { status: 'compromised', detail: 'Falcon network containment is pending' };
    case 'normal':
      return { status: 'clean', detail: 'Falcon containment status normal' };
    case 'lift_containment_pending':
      return { status: 'clean', detail: 'Falcon is lifting containment' };
    default:
      return {
        status: 'unknown',
        detail: status === null ? 'Falcon did not state a containment status' : `Falcon status "${status}" is not one we know`,
      };
  }
}

export function mapHost(host: FalconHost): SourceDevice {
  vendorRecord(host, 'CrowdStrike');
  const connectorId = text(host.device_id);
  const { status, detail } = edrStatusOf(host);
  const platform = lookup(PLATFORMS, text(host.platform_name)?.toLowerCase() ?? null);
  return {
    externalId: connectorId,
    serialNumber: text(host.serial_number),
    macAddresses: [text(host.mac_address)],
    deviceName: text(host.hostname),
    platform,
    edr: { connectorId, status, detail, seenAt: timestamp(host.last_seen) },
    // `os_version` is a name ("Windows 11"); on Windows `kernel_version` is the OS build
    // ("10.0.22631.3447"). On macOS it is the Darwin kernel's, not the OS version: unused.
    posture: { osVersion: platform === 'windows' ? text(host.kernel_version) : null },
    raw: {
      os: text(host.os_version),
      agentVersion: text(host.agent_version),
      lastSeen: text(host.last_seen),
      reducedFunctionalityMode: text(host.reduced_functionality_mode),
      productType: text(host.product_type_desc),
    },
  };
}
