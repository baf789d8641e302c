import type { Knex } from 'knex';
import type { IdentifierClaim } from '../../domain/endpoint.js';
import type { IdentifierColumn } from '../identifier-columns.js';
import { chunks, IN_LIST_CHUNK } from '../in-lists.js';
import { fromJson } from '../json.js';
import { HOLDERS_PER_CLAIM } from '../release-judgement.js';
import { macHolders } from './endpoint-macs.js';

/**
 * MAC addresses are claims only where a MAC is the endpoint's one way to be trusted. Docks
 * and USB adapters move between laptops, so two endpoints sharing a MAC are no clone (and
 * not duplicates); but an endpoint that an inventory knows by none of its own hardware
 * UUID, serial or MachineGuid, and that reports a MAC another enrolled endpoint reports and
 * an inventory matching MACs holds, would be trusted through that device's MAC alone: a
 * clone that copied only the MAC (and invented a serial). It waits for approval, like a
 * copied serial. Endpoints matched by their own identifiers are not affected.
 */

/** The integrations that match devices by MAC address. */
export async function macMatchingIntegrations(trx: Knex | Knex.Transaction): Promise<string[]> {
  return ((await trx('integrations').select('id', 'config')) as { id: string; config: string }[])
    .filter((row) => fromJson<{ matchMacAddresses?: boolean }>(row.config, {}).matchMacAddresses === true)
    .map((row) => row.id);
}

/** Inventory records of their integration's current generation only. */
export function onCurrentInventory(builder: Knex.QueryBuilder): Knex.QueryBuilder {
  return builder.join('integrations', function joinCurrent() {
    this.on('integrations.id', '=', 'inventory_records.integration_id').andOn(
      'integrations.current_generation',
      '=',
      'inventory_records.generation',
    );
  });
}

/** Whether a current inventory knows the endpoint by its own hardware UUID, serial or MachineGuid: then its MACs are no claims. */
export async function knownByOwnIdentifiers(
  trx: Knex | Knex.Transaction,
  claimed: Record<IdentifierColumn, string | null>,
): Promise<boolean> {
  const own = Object.entries(claimed).filter((entry): entry is [IdentifierColumn, string] => entry[1] !== null);
  if (own.length === 0) return false;
  const known = await onCurrentInventory(trx('inventory_records'))
    .where((w) => {
      for (const [column, value] of own) w.orWhere(`inventory_records.${column}`, value);
    })
    .first('inventory_records.id');
  return known !== undefined;
}

/** The MAC claims of one endpoint reporting `claimed` and `macs` (see above). */
export async function macClaims(
  trx: Knex | Knex.Transaction,
  endpointId: string,
  claimed: Record<IdentifierColumn, string | null>,
  macs: string[],
): Promise<IdentifierClaim[]> {
  if (macs.length === 0) return [];
  const macMatching = await macMatchingIntegrations(trx);
  if (macMatching.length === 0) return [];
  if (await knownByOwnIdentifiers(trx, claimed)) return [];
  const inInventory = await macsOnInventory(trx, macs, macMatching);
  if (inInventory.size === 0) return [];
  // Who else reports them, from endpoint_macs (an index look-up, not a scan of every endpoint's
  // list): first enrolled first, then by id, as the release's judge orders them.
  const holders = await macHolders(
    trx,
    macs.filter((mac) => inInventory.has(mac)),
    HOLDERS_PER_CLAIM,
    endpointId,
  );
  return macs.flatMap((mac) => {
    const heldBy = (holders.get(mac) ?? []).map((h) => h.id);
    return heldBy.length > 0 ? [{ kind: 'macAddress' as const, value: mac, heldBy }] : [];
  });
}

/** Of these MACs, those a current inventory of the MAC-matching integrations holds: one statement per IN_LIST_CHUNK MACs. */
export async function macsOnInventory(
  trx: Knex | Knex.Transaction,
  macs: readonly string[],
  macMatching: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (const chunk of chunks([...new Set(macs)], IN_LIST_CHUNK))
    for (const row of (await onCurrentInventory(trx('inventory_records'))
      .join('inventory_macs', 'inventory_macs.record_id', 'inventory_records.id')
      .whereIn('inventory_macs.mac', chunk)
      .whereIn('inventory_records.integration_id', macMatching)
      .distinct('inventory_macs.mac as mac')) as { mac: string }[])
      found.add(row.mac);
  return found;
}

/**
 * Whether an endpoint holds what it reports: not while it waits for approval, once denied, or
 * once released (macHolders in endpoint-macs.ts asks the same in SQL).
 */
export function holdsClaims(row: { released_at?: number | string | null; approval?: string | null }): boolean {
  return (row.released_at === null || row.released_at === undefined) && row.approval !== 'pending' && row.approval !== 'denied';
}

/**
 * The MAC addresses an endpoint holds as claims (holdsClaims, and reported), as
 * `{kind: 'macAddress', value}`: those a current inventory of a MAC-matching integration holds,
 * the only ones another endpoint can wait on. A release or forget gives them up with its
 * bindings; without them a MAC-only endpoint's release answered and logged no identifiers
 * released while it freed the endpoints waiting on its MAC.
 */
export async function heldMacClaims(
  trx: Knex | Knex.Transaction,
  row: { mac_addresses?: string | null; released_at?: number | string | null; approval?: string | null },
): Promise<{ kind: 'macAddress'; value: string }[]> {
  if (!holdsClaims(row)) return [];
  const macs = fromJson<string[]>(row.mac_addresses, []);
  if (macs.length === 0) return [];
  const macMatching = await macMatchingIntegrations(trx);
  if (macMatching.length === 0) return [];
  const held = await macsOnInventory(trx, macs, macMatching);
  return [...held].sort().map((value) => ({ kind: 'macAddress' as const, value }));
}

/** Bindings (kind, value order) and MAC claims as one list by kind, values kept in their order (a stable sort). */
export function byKind<T extends { kind: string }>(identifiers: T[]): T[] {
  return identifiers.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}
