import type { Identifiers } from '@devtrust/shared/identity';
import type { Store } from '../store/store.js';
import type { IdentifierLookup } from './match.js';

const COLUMNS = { hardwareUuid: 'hardware_uuid', serialNumber: 'serial_number', machineGuid: 'machine_guid' } as const;

/**
 * Fetches, for each identifier the device reported, the records and endpoints holding it.
 * `endpointId`: the endpoint being judged, which counts as reporting its own identifiers.
 */
export async function lookupIdentifiers(
  store: Store,
  identifiers: Identifiers,
  integrationIds: string[],
  endpointId?: string,
): Promise<IdentifierLookup[]> {
  const lookups: IdentifierLookup[] = [];
  for (const kind of ['hardwareUuid', 'serialNumber', 'machineGuid'] as const) {
    const value = identifiers[kind];
    if (value === undefined) continue;
    const [records, endpointsReporting] = await Promise.all([
      store.inventory.findByIdentifier(COLUMNS[kind], value, integrationIds),
      store.endpoints.countReporting(COLUMNS[kind], value, endpointId),
    ]);
    lookups.push({ kind, value, records, endpointsReporting });
  }
  for (const mac of identifiers.macAddresses ?? []) {
    // MACs move with docks and adapters; several endpoints sharing one is not a clone.
    lookups.push({ kind: 'macAddress', value: mac, records: await store.inventory.findByMac(mac, integrationIds), endpointsReporting: 1 });
  }
  return lookups;
}
