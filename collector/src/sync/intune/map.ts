import type { Platform } from '@devtrust/shared/identity';
import { bool, text, vendorRecord } from '../kit/index.js';
import type { SourceDevice } from '../source.js';

/** One `managedDevice` of Microsoft Graph v1.0, limited to the properties we `$select`. */
export interface IntuneManagedDevice {
  id?: string;
  deviceName?: string | null;
  serialNumber?: string | null;
  azureADDeviceId?: string | null;
  wiFiMacAddress?: string | null;
  ethernetMacAddress?: string | null;
  operatingSystem?: string | null;
  osVersion?: string | null;
  model?: string | null;
  userPrincipalName?: string | null;
  emailAddress?: string | null;
  lastSyncDateTime?: string | null;
  /** Whether Intune reports the device's storage encrypted (BitLocker, FileVault). */
  isEncrypted?: boolean | null;
  /** Graph beta (and some tenants' v1.0 answers); read when present, never `$select`ed. */
  managementState?: string | null;
}

/** The properties requested; a property Graph v1.0 does not know would fail the whole call. */
export const INTUNE_SELECT = [
  'id',
  'deviceName',
  'serialNumber',
  'azureADDeviceId',
  'wiFiMacAddress',
  'ethernetMacAddress',
  'operatingSystem',
  'osVersion',
  'model',
  'userPrincipalName',
  'emailAddress',
  'lastSyncDateTime',
  'isEncrypted',
] as const;

// States in which Intune is letting go of the device (or never held it).
const UNMANAGED_STATES = new Set(['retirepending', 'retireissued', 'wipepending', 'wipeissued', 'deletepending', 'discovered']);

function platformOf(operatingSystem: string | null): Platform | null {
  const os = (operatingSystem ?? '').toLowerCase();
  if (os.startsWith('windows')) return 'windows';
  if (os === 'macos' || os === 'mac os x' || os === 'macmdm') return 'macos';
  if (os === 'ios' || os === 'ipados') return 'ios';
  if (os.startsWith('android')) return 'android';
  if (os === 'linux') return 'linux';
  return null;
}

/**
 * Intune managed device → inventory record.
 * - serial: `serialNumber` (the SMBIOS serial on Windows, the Apple serial on Macs).
 * - no hardware UUID: `azureADDeviceId` is the Entra ID device object's ID, not the SMBIOS
 *   UUID the agent reads, so it stays in `raw` for admins and never matches.
 * - MDM device ID: `id`, the Intune device ID that {{DeviceId}} fills into configuration
 *   profiles and app configuration policies (MDM-asserted identity).
 * - MACs: `wiFiMacAddress`, and `ethernetMacAddress` when Graph fills it (list calls usually
 *   answer null for it; only a per-device GET fills it).
 * - platform: `operatingSystem` ("Windows", "macOS", "iOS", "iPadOS", "Android"…).
 * - owner: `userPrincipalName`, else `emailAddress`.
 * - managed: from `managementState` when Graph sends it; unknown otherwise (every listed
 *   device is enrolled in Intune, and retired ones drop out of the list).
 * - posture: `isEncrypted` (disk encryption) and `osVersion`, as Intune last inventoried them.
 */
export function mapIntuneDevice(device: IntuneManagedDevice): SourceDevice {
  vendorRecord(device, 'Intune');
  const state = text(device.managementState);
  return {
    externalId: text(device.id),
    serialNumber: text(device.serialNumber),
    mdmDeviceId: text(device.id),
    macAddresses: [text(device.wiFiMacAddress), text(device.ethernetMacAddress)],
    deviceName: text(device.deviceName),
    platform: platformOf(text(device.operatingSystem)),
    owner: text(device.userPrincipalName) ?? text(device.emailAddress),
    managed: state === null ? null : !UNMANAGED_STATES.has(state.toLowerCase()),
    posture: { diskEncryption: bool(device.isEncrypted), osVersion: text(device.osVersion) },
    raw: {
      azureADDeviceId: text(device.azureADDeviceId),
      model: text(device.model),
      osVersion: text(device.osVersion),
      lastSyncDateTime: text(device.lastSyncDateTime),
      ...(state !== null ? { managementState: state } : {}),
    },
  };
}
