import type { Platform } from '@devtrust/shared/identity';
import { bool, text } from '../http/source-kit.js';
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
}

const PLATFORMS: Record<string, Platform> = { mac: 'macos', iphone: 'ios', ipad: 'ios', ipod: 'ios' };

/**
 * Kandji device → inventory record.
 * - serial: `serial_number`, the only hardware identifier the list endpoint carries. The
 *   Mac's hardware UUID is only on the per-device details endpoint; one extra call per
 *   device would multiply a nightly sync by the fleet size, so we match on serial alone.
 * - platform: "Mac" → macOS; "iPhone"/"iPad" → iOS; Apple TV (no agent, no DevTrust platform) → unstated.
 * - owner: `user.email`, else `user.name`.
 * - managed: `mdm_enabled`, false when Kandji marks the device removed.
 * - posture: `os_version` (the list carries no FileVault state).
 */
export function mapKandjiDevice(device: KandjiDevice): SourceDevice {
  const user = typeof device.user === 'object' && device.user !== null ? device.user : null;
  const platform = text(device.platform)?.toLowerCase() ?? '';
  return {
    externalId: text(device.device_id),
    serialNumber: text(device.serial_number),
    deviceName: text(device.device_name),
    platform: PLATFORMS[platform] ?? null,
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
