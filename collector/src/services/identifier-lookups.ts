import { SINGLE_IDENTIFIER_KINDS, type IdentifierKind, type Identifiers, type SingleIdentifierKind } from '../domain/identifiers.js';
import type { IdentifierLookup } from '../match/match.js';
import type { Endpoint } from '../domain/endpoint.js';
import type { StoredInventoryRecord } from '../domain/inventory.js';
import type { Store } from '../store/store.js';

/** How many enrolled endpoints report each identifier value of the device (EndpointsRepo.withReporting). */
export type ReportingCounts = Partial<Record<SingleIdentifierKind, number>>;

/**
 * Fetches, for each identifier the device reported, the records and endpoints holding it:
 * what the pure matching (match/match.ts) judges. `endpointId`: the endpoint being judged,
 * which counts as reporting its own identifiers. The records of every identifier come from one
 * statement; `reporting`, when the caller read it with the endpoint, saves the counts' queries.
 */
export async function lookupIdentifiers(
  store: Store,
  identifiers: Identifiers,
  integrationIds: string[],
  endpointId?: string,
  reporting?: ReportingCounts,
): Promise<IdentifierLookup[]> {
  const { singles, wanted } = wantedOf(identifiers);
  const [records, counts] = await Promise.all([
    store.inventory.findByIdentifiers(wanted, integrationIds),
    Promise.all(singles.map(({ kind, value }) => reporting?.[kind] ?? store.endpoints.countReporting(kind, value, endpointId))),
  ]);
  return lookupsOf(wanted, records, counts);
}

/**
 * lookupIdentifiers for several endpoints at once (a listing's page): each endpoint's
 * identifiers against its own integrations, the records of all of them in a few statements and
 * the reporting counts in one per identifier kind (EndpointsRepo.reportingCountsOf).
 */
export async function lookupIdentifiersForEach(
  store: Store,
  devices: readonly { endpoint: Endpoint; integrationIds: string[] }[],
): Promise<IdentifierLookup[][]> {
  const wanted = devices.map(({ endpoint }) => wantedOf(endpoint.identifiers));
  const [records, reporting] = await Promise.all([
    store.inventory.findByIdentifiersForEach(
      devices.map((d, i) => ({ identifiers: wanted[i]?.wanted ?? [], integrationIds: d.integrationIds })),
    ),
    store.endpoints.reportingCountsOf(devices.map((d) => d.endpoint)),
  ]);
  return devices.map(({ endpoint }, i) => {
    const { singles, wanted: asked } = wanted[i] as ReturnType<typeof wantedOf>;
    const counts = reporting.get(endpoint.id) ?? {};
    return lookupsOf(
      asked,
      records[i] ?? [],
      singles.map(({ kind }) => counts[kind] ?? 1),
    );
  });
}

/** The identifiers a device reported, the single ones first, then its MACs: what is looked up, in that order. */
function wantedOf(identifiers: Identifiers): {
  singles: { kind: SingleIdentifierKind; value: string }[];
  wanted: { kind: IdentifierKind; value: string }[];
} {
  const singles = SINGLE_IDENTIFIER_KINDS.flatMap((kind) => {
    const value = identifiers[kind];
    return value === undefined ? [] : [{ kind, value }];
  });
  const wanted: { kind: IdentifierKind; value: string }[] = [
    ...singles,
    ...(identifiers.macAddresses ?? []).map((mac) => ({ kind: 'macAddress' as const, value: mac })),
  ];
  return { singles, wanted };
}

function lookupsOf(
  wanted: { kind: IdentifierKind; value: string }[],
  records: StoredInventoryRecord[][],
  counts: number[],
): IdentifierLookup[] {
  return wanted.map(({ kind, value }, i) => ({
    kind,
    value,
    records: records[i] ?? [],
    // MACs move with docks and adapters; several endpoints sharing one is not a clone.
    endpointsReporting: kind === 'macAddress' ? 1 : (counts[i] ?? 1),
  }));
}
