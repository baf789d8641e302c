import { SINGLE_IDENTIFIER_KINDS, type IdentifierKind, type Identifiers, type SingleIdentifierKind } from '../domain/identifiers.js';
import type { IdentifierLookup } from '../match/match.js';
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
  const singles = SINGLE_IDENTIFIER_KINDS.flatMap((kind) => {
    const value = identifiers[kind];
    return value === undefined ? [] : [{ kind, value }];
  });
  const wanted: { kind: IdentifierKind; value: string }[] = [
    ...singles,
    ...(identifiers.macAddresses ?? []).map((mac) => ({ kind: 'macAddress' as const, value: mac })),
  ];
  const [records, counts] = await Promise.all([
    store.inventory.findByIdentifiers(wanted, integrationIds),
    Promise.all(singles.map(({ kind, value }) => reporting?.[kind] ?? store.endpoints.countReporting(kind, value, endpointId))),
  ]);
  return wanted.map(({ kind, value }, i) => ({
    kind,
    value,
    records: records[i] ?? [],
    // MACs move with docks and adapters; several endpoints sharing one is not a clone.
    endpointsReporting: kind === 'macAddress' ? 1 : (counts[i] ?? 1),
  }));
}
