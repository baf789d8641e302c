import type { Platform } from '@devtrust/shared/identity';
import { bool, lookup, text, vendorRecord } from '../kit/index.js';
import type { SourceDevice } from '../source.js';

/** One element of Kandji's `GET /api/v1/devices` array; only the fields we read. */
export interface KandjiDevice {
  device_id?: string;
  device_name?: string | null;
  serial_number?: string | null;
  platform?: string | null;
  model?: string | null;
  os_version?: string | null;
  last_check_in?: string | null;
  /** An object for an assigned device; Kandji sends "" (or null) when nobody is assigned. */
  user?: { email?: string | null; name?: string | null } | string | null;
  mdm_enabled?: boolean | null;
  agent_installed?: boolean | null;
  is_removed?: boolean | null;
  /** Not in the list: the client adds it from `GET /api/v1/devices/{id}/details` (see details.ts). */
  hardware_overview?: { udid?: string | null } | null;
}

const PLATFORMS: Record<string, Platform> = { mac: 'macos', iphone: 'ios', ipad: 'ios', ipod: 'ios' };

/**
 * Kandji device → inventory record.
 * - hardware UUID (Macs): `hardware_overview.udid` of the details endpoint, which the
 *   client reads for new or changed Macs within an hourly budget (details.ts); for a Mac
 *   the UDID is the IOPlatformUUID the agent reports, so Macs match on it first.
 * - serial: `serial_number`, from the list.
 * - MDM device ID: `device_id`, which Kandji's $DEVICE_ID global variable fills in.
 * - platform: "Mac" → macOS; "iPhone"/"iPad" → iOS; Apple TV (no agent, no DevTrust platform) → unstated.
 * - owner: `user.email`, else `user.name`.
 * - managed: `mdm_enabled`, false when Kandji marks the device removed.
 * - posture: `os_version` (the list carries no FileVault state).
 */
export function mapKandjiDevice(device: KandjiDevice): SourceDevice {
  vendorRecord(device, 'Kandji');
  const user = typeof device.user === 'object' && device.user !== null ? device.user : null;
  const platform = text(device.platform)?.toLowerCase() ?? '';
  const mac = platform === 'mac';
  return {
    externalId: text(device.device_id),
    ...(mac && text(device.hardware_overview?.udid) ? { hardwareUuid: text(device.hardware_overview?.udid) } : {}),
    serialNumber: text(device.serial_number),
    mdmDeviceId: text(device.device_id),
    deviceName: text(device.device_name),
    platform: lookup(PLATFORMS, platform),
    owner: text(user?.email) ?? text(user?.name),
    managed: device.is_removed === true ? false : bool(device.mdm_enabled),
    posture: { osVersion: text(device.os_version) },
    raw: {
      model: text(device.model),
      osVersion: text(device.os_version),
      lastCheckIn: text(device.last_check_in),
      agentInstalled: bool(device.agent_installed),
    },
  };
}
