import { SINGLE_IDENTIFIER_KINDS, type Identifiers } from '../domain/identifiers.js';
import type { IdentifierLookup } from '../match/match.js';
import type { Store } from '../store/store.js';

/**
 * Fetches, for each identifier the device reported, the records and endpoints holding it:
 * what the pure matching (match/match.ts) judges. `endpointId`: the endpoint being judged,
 * which counts as reporting its own identifiers.
 */
export async function lookupIdentifiers(
  store: Store,
  identifiers: Identifiers,
  integrationIds: string[],
  endpointId?: string,
): Promise<IdentifierLookup[]> {
  const lookups: IdentifierLookup[] = [];
  for (const kind of SINGLE_IDENTIFIER_KINDS) {
    const value = identifiers[kind];
    if (value === undefined) continue;
    const [records, endpointsReporting] = await Promise.all([
      store.inventory.findByIdentifier(kind, value, integrationIds),
      store.endpoints.countReporting(kind, value, endpointId),
    ]);
    lookups.push({ kind, value, records, endpointsReporting });
  }
  for (const mac of identifiers.macAddresses ?? []) {
    // MACs move with docks and adapters; several endpoints sharing one is not a clone.
    lookups.push({
      kind: 'macAddress',
      value: mac,
      records: await store.inventory.findByIdentifier('macAddress', mac, integrationIds),
      endpointsReporting: 1,
    });
  }
  return lookups;
}
