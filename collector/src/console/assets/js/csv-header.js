// Whether a CSV's first record is a header the collector takes, by the collector's rules
// (collector/src/sync/csv/columns.ts and parse.ts checkHeader): it names at least one identifier
// column, under DevTrust's name or an MDM export's, and no identifier column but mac_addresses
// twice. A test holds this copy to the collector's alias table (test/e2e/console/csv-rows.test.ts).

/** Folded header names (as foldHeader folds them) that name an identifier column. */
const IDENTIFIER_NAMES = new Map([
  ['serial_number', 'serial_number'],
  ['serial', 'serial_number'],
  ['serialnumber', 'serial_number'],
  ['hardware_uuid', 'hardware_uuid'],
  ['udid', 'hardware_uuid'],
  ['hardwareuuid', 'hardware_uuid'],
  ['machine_guid', 'machine_guid'],
  ['machineguid', 'machine_guid'],
  ['mac_addresses', 'mac_addresses'],
  ['mac_address', 'mac_addresses'],
  ['wi_fi_mac', 'mac_addresses'],
  ['wifi_mac', 'mac_addresses'],
  ['wi_fi_mac_address', 'mac_addresses'],
  ['wifi_mac_address', 'mac_addresses'],
  ['ethernet_mac', 'mac_addresses'],
  ['ethernet_mac_address', 'mac_addresses'],
  ['alternate_mac_address', 'mac_addresses'],
]);

/** The identifier column a header cell names, or null (another column, or none DevTrust reads). */
export function identifierColumnOf(cell) {
  return (
    IDENTIFIER_NAMES.get(
      cell
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_'),
    ) ?? null
  );
}

/** True when the collector takes `cells` (one record's fields) as an inventory's header. */
export function isInventoryHeader(cells) {
  const named = cells.map(identifierColumnOf).filter((column) => column !== null);
  const once = named.filter((column) => column !== 'mac_addresses');
  return named.length > 0 && new Set(once).size === once.length;
}
