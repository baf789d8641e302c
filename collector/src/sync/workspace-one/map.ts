import type { Platform } from '@devtrust/shared/identity';
import { lookup, text, vendorRecord } from '../kit/index.js';
import type { SourceDevice } from '../source.js';

/** One element of Workspace ONE UEM's `GET /API/mdm/devices/search` `Devices` (v1 shape). */
export interface WorkspaceOneDevice {
  Id?: { Value?: number | string } | null;
  Udid?: string | null;
  SerialNumber?: string | null;
  MacAddress?: string | null;
  DeviceFriendlyName?: string | null;
  Platform?: string | null;
  Model?: string | null;
  OperatingSystem?: string | null;
  UserName?: string | null;
  UserEmailAddress?: string | null;
  EnrollmentStatus?: string | null;
  LastSeen?: string | null;
}

// Workspace ONE's platform names (its DeviceType enum) → DevTrust platforms.
const PLATFORMS: Record<string, Platform> = {
  winrt: 'windows',
  windowspc: 'windows',
  'windows desktop': 'windows',
  appleosx: 'macos',
  macos: 'macos',
  apple: 'ios',
  ios: 'ios',
  ipados: 'ios',
  android: 'android',
  linux: 'linux',
};

/**
 * Workspace ONE UEM device → inventory record.
 * - hardware UUID: `Udid`, for macOS only. A Mac's MDM UDID is its IOPlatformUUID, the value
 *   the agent reads; on Windows Workspace ONE makes up its own Udid, which must not match.
 * - MDM device ID: `Udid`, on every platform: what Workspace ONE's {DeviceUid} lookup value
 *   fills into managed configuration (MDM-asserted identity).
 * - serial: `SerialNumber`; MAC: `MacAddress` (the Wi-Fi MAC, written without separators).
 * - platform: `Platform` ("WinRT" = Windows 10/11, "AppleOsX" = macOS, "Apple" = iOS, "Android").
 * - owner: `UserEmailAddress`, else `UserName`.
 * - managed: `EnrollmentStatus` is "Enrolled" (not Unenrolled, EnterpriseWipePending, …).
 * - posture: `OperatingSystem`, which holds the OS version ("10.0.22631", "14.4.1").
 */
export function mapWorkspaceOneDevice(device: WorkspaceOneDevice): SourceDevice {
  vendorRecord(device, 'Workspace ONE');
  const platform = lookup(PLATFORMS, text(device.Platform)?.toLowerCase() ?? null);
  const status = text(device.EnrollmentStatus);
  return {
    externalId: text(device.Id?.Value),
    hardwareUuid: platform === 'macos' ? text(device.Udid) : null,
    mdmDeviceId: text(device.Udid),
    serialNumber: text(device.SerialNumber),
    macAddresses: [text(device.MacAddress)],
    deviceName: text(device.DeviceFriendlyName),
    platform,
    owner: text(device.UserEmailAddress) ?? text(device.UserName),
    managed: status === null ? null : status.toLowerCase() === 'enrolled',
    posture: { osVersion: text(device.OperatingSystem) },
    raw: {
      udid: text(device.Udid),
      model: text(device.Model),
      osVersion: text(device.OperatingSystem),
      enrollmentStatus: status,
      lastSeen: text(device.LastSeen),
    },
  };
}
