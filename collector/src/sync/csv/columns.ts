import { withUnsafeEscaped } from '@devtrust/shared/identity';

/**
 * The CSV inventory's columns and the header names of common MDM exports that mean the same
 * column, so an export can be uploaded as it comes (docs/csv-format.md lists them and where
 * each comes from). Headers are compared folded: lower case, spaces and dashes as `_`.
 */
export const CSV_COLUMNS = ['serial_number', 'hardware_uuid', 'machine_guid', 'device_name', 'platform', 'owner', 'mac_addresses'] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

export const IDENTIFIER_COLUMNS: readonly CsvColumn[] = ['serial_number', 'hardware_uuid', 'machine_guid', 'mac_addresses'];

/** Exported for the test that holds the console's copy of the identifier names to it (console/assets/js/csv-header.js). */
export const ALIASES: Readonly<Record<string, CsvColumn>> = {
  // "Serial Number" (Jamf Pro, Workspace ONE, Kandji, MobileIron) and "Serial number" (Intune) fold to serial_number already.
  serial: 'serial_number',
  serialnumber: 'serial_number',
  // Jamf Pro's computer UDID is the hardware UUID; Workspace ONE's UDID column for Macs too.
  udid: 'hardware_uuid',
  hardwareuuid: 'hardware_uuid',
  machineguid: 'machine_guid',
  computer_name: 'device_name', // Jamf Pro
  friendly_name: 'device_name', // Workspace ONE
  devicename: 'device_name',
  display_name: 'device_name', // Jamf Pro mobile devices
  name: 'device_name',
  os: 'platform', // Intune
  operating_system: 'platform', // Jamf Pro, MobileIron
  platform_name: 'platform',
  username: 'owner', // Jamf Pro, Workspace ONE
  user: 'owner',
  user_email: 'owner', // Kandji
  email_address: 'owner', // Jamf Pro, Workspace ONE
  email: 'owner',
  primary_user_upn: 'owner', // Intune
  primary_user_email_address: 'owner', // Intune
  user_principal_name: 'owner',
  mac_address: 'mac_addresses', // Jamf Pro, Workspace ONE
  wi_fi_mac: 'mac_addresses', // Intune
  wifi_mac: 'mac_addresses',
  wi_fi_mac_address: 'mac_addresses', // Jamf Pro, Workspace ONE, MobileIron
  wifi_mac_address: 'mac_addresses', // Kandji, MobileIron
  ethernet_mac: 'mac_addresses', // Intune
  ethernet_mac_address: 'mac_addresses',
  alternate_mac_address: 'mac_addresses', // Jamf Pro
};

/** Folded header text: `Serial Number`, `serial-number` and `SERIAL_NUMBER` are one name. */
export const foldHeader = (header: string): string =>
  header
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/**
 * A cell of the file (a header name, a refused platform) as an answer quotes it (a warning, an
 * error), for a terminal and the console: cut by code points after 63 (never half an emoji),
 * what display text refuses (an escape sequence, U+202E, an invisible U+3164) shown as
 * `<U+XXXX>`, and quoted as JSON quotes it, so a quote in it reads as `\"` and cannot end the
 * quoting early. An empty cell is `(unnamed)`.
 */
export function quotedHeader(header: string): string {
  const name = header.trim();
  if (name === '') return '(unnamed)';
  const points = Array.from(name);
  return JSON.stringify(withUnsafeEscaped(points.length > 64 ? `${points.slice(0, 63).join('')}…` : name));
}

/** The column a header names, or null when DevTrust does not use it. */
export function columnOf(header: string): CsvColumn | null {
  const name = foldHeader(header);
  if ((CSV_COLUMNS as readonly string[]).includes(name)) return name as CsvColumn;
  // Own keys only: a header such as "Constructor" or "__proto__" must not read Object.prototype.
  return Object.hasOwn(ALIASES, name) ? (ALIASES[name] as CsvColumn) : null;
}
