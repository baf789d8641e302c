import type { Platform } from '@devtrust/shared/identity';
import { text, vendorRecord } from '../kit/index.js';
import type { SourceDevice } from '../source.js';

/**
 * One element of MobileIron Core's `GET /api/v2/devices` `results`: a flat object whose
 * keys are the requested field names, dots included ("common.uuid", "user.email_address").
 */
export type MobileIronDevice = Record<string, unknown>;

/** The fields requested from Core; asking for every field is refused by some Core versions. */
export const MOBILEIRON_FIELDS = [
  'common.id',
  'common.uuid',
  'common.SerialNumber',
  'common.platform',
  'common.os_version',
  'common.model',
  'common.status',
  'common.wifi_mac_address',
  'common.ethernet_mac',
  'common.last_connected_at',
  'ios.DeviceName',
  'user.email_address',
  'user.user_id',
] as const;

function platformOf(value: string | null): Platform | null {
  const name = (value ?? '').toLowerCase();
  if (name.startsWith('android')) return 'android';
  if (name.startsWith('ios') || name.startsWith('ipados')) return 'ios';
  if (name.startsWith('macos') || name.startsWith('os x') || name.startsWith('mac os')) return 'macos';
  if (name.startsWith('windows') && !name.includes('phone')) return 'windows';
  return null;
}

/**
 * MobileIron Core device → inventory record.
 * - serial: `common.SerialNumber` (Core's field name; `common.serial_number` is read too, as
 *   some exports spell it). No hardware UUID: `common.uuid` is Core's own device ID, kept as
 *   the external ID, and `ios.iPhone UDID` is an iOS UDID no agent reports.
 * - MDM device ID: `common.uuid`, what Core's $DEVICE_UUID$ substitution variable fills into
 *   app and managed configurations (MDM-asserted identity).
 * - MACs: `common.wifi_mac_address`, `common.ethernet_mac`.
 * - platform: `common.platform` ("Android", "iOS", "macOS", "Windows"…).
 * - owner: `user.email_address`, else `user.user_id`.
 * - managed: `common.status` is "ACTIVE"; RETIRED, WIPED, LOST… are not managed.
 * - posture: `common.os_version`.
 */
export function mapMobileIronDevice(device: MobileIronDevice): SourceDevice {
  vendorRecord(device, 'MobileIron Core');
  const status = text(device['common.status']);
  return {
    externalId: text(device['common.uuid']) ?? text(device['common.id']),
    serialNumber: text(device['common.SerialNumber']) ?? text(device['common.serial_number']),
    mdmDeviceId: text(device['common.uuid']),
    macAddresses: [text(device['common.wifi_mac_address']), text(device['common.ethernet_mac'])],
    deviceName: text(device['ios.DeviceName']) ?? text(device['common.model']),
    platform: platformOf(text(device['common.platform'])),
    owner: text(device['user.email_address']) ?? text(device['user.user_id']),
    managed: status === null ? null : status.toUpperCase() === 'ACTIVE',
    posture: { osVersion: text(device['common.os_version']) },
    raw: {
      model: text(device['common.model']),
      osVersion: text(device['common.os_version']),
      status,
      lastConnectedAt: text(device['common.last_connected_at']),
    },
  };
}
