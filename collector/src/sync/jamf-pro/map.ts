import { bool, text, vendorRecord } from '../kit/index.js';
import type { SourceDevice } from '../source.js';

/**
 * One record of Jamf Pro's `GET /api/v1/computers-inventory` (sections GENERAL, HARDWARE,
 * USER_AND_LOCATION). Only the fields we read are typed; Jamf sends many more.
 */
export interface JamfComputer {
  id?: string | number;
  udid?: string | null;
  general?: {
    name?: string | null;
    platform?: string | null;
    lastContactTime?: string | null;
    remoteManagement?: { managed?: boolean | null } | null;
  } | null;
  hardware?: {
    serialNumber?: string | null;
    macAddress?: string | null;
    altMacAddress?: string | null;
    model?: string | null;
  } | null;
  userAndLocation?: { email?: string | null; username?: string | null } | null;
}

/**
 * Jamf Pro computer → inventory record.
 * - hardware UUID: top-level `udid`. For a Mac, the UDID Jamf records at enrollment is the
 *   IOPlatformUUID, the same value the agent reads as the hardware UUID.
 * - MDM device ID: the same `udid`, which Jamf's $UDID payload variable fills in.
 * - serial: `hardware.serialNumber`; MACs: `hardware.macAddress` (primary) and `altMacAddress`.
 * - platform: always macOS (this endpoint lists computers; Jamf Pro's computers are Macs).
 * - owner: `userAndLocation.email`, else the username.
 * - managed: `general.remoteManagement.managed` (false once the Mac is unmanaged in Jamf).
 */
export function mapJamfComputer(computer: JamfComputer): SourceDevice {
  vendorRecord(computer, 'Jamf Pro');
  const general = computer.general ?? {};
  const hardware = computer.hardware ?? {};
  const user = computer.userAndLocation ?? {};
  return {
    externalId: text(computer.id),
    hardwareUuid: text(computer.udid),
    mdmDeviceId: text(computer.udid),
    serialNumber: text(hardware.serialNumber),
    macAddresses: [text(hardware.macAddress), text(hardware.altMacAddress)],
    deviceName: text(general.name),
    platform: 'macos',
    owner: text(user.email) ?? text(user.username),
    managed: bool(general.remoteManagement?.managed),
    raw: { model: text(hardware.model), lastContactTime: text(general.lastContactTime) },
  };
}

/**
 * One record of Jamf Pro's `GET /api/v2/mobile-devices/detail` (sections GENERAL, HARDWARE,
 * USER_AND_LOCATION). Only the fields we read are typed.
 */
export interface JamfMobileDevice {
  mobileDeviceId?: string | number;
  /** "iOS" (iPhone, iPad) or "tvOS". */
  deviceType?: string | null;
  general?: {
    udid?: string | null;
    displayName?: string | null;
    osVersion?: string | null;
    managed?: boolean | null;
    lastInventoryUpdateDate?: string | null;
  } | null;
  hardware?: {
    serialNumber?: string | null;
    wifiMacAddress?: string | null;
    bluetoothMacAddress?: string | null;
    model?: string | null;
  } | null;
  userAndLocation?: { emailAddress?: string | null; username?: string | null } | null;
}

/**
 * Jamf Pro mobile device → inventory record.
 * - externalId: `mobile-<id>`: computers and mobile devices are numbered separately in Jamf.
 * - hardware UUID and MDM device ID: `general.udid`, the UDID the device reported at
 *   enrollment, which $UDID fills into app configuration.
 * - serial: `hardware.serialNumber`; MAC: the Wi-Fi address only (Bluetooth is not a network address).
 * - platform: iOS for iPhones and iPads; Apple TV (tvOS) runs no agent: unstated.
 * - owner: `userAndLocation.emailAddress`, else the username; managed: `general.managed`.
 */
export function mapJamfMobileDevice(device: JamfMobileDevice): SourceDevice {
  vendorRecord(device, 'Jamf Pro');
  const general = device.general ?? {};
  const hardware = device.hardware ?? {};
  const user = device.userAndLocation ?? {};
  const id = text(device.mobileDeviceId);
  return {
    externalId: id === null ? null : `mobile-${id}`,
    hardwareUuid: text(general.udid),
    mdmDeviceId: text(general.udid),
    serialNumber: text(hardware.serialNumber),
    macAddresses: [text(hardware.wifiMacAddress)],
    deviceName: text(general.displayName),
    platform: text(device.deviceType)?.toLowerCase() === 'ios' ? 'ios' : null,
    owner: text(user.emailAddress) ?? text(user.username),
    managed: bool(general.managed),
    raw: { model: text(hardware.model), osVersion: text(general.osVersion), lastInventoryUpdate: text(general.lastInventoryUpdateDate) },
  };
}
