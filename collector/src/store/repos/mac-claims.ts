import type { Knex } from 'knex';
import type { IdentifierClaim } from '../../domain/endpoint.js';
import type { IdentifierColumn } from '../identifier-columns.js';
import { fromJson } from '../json.js';

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
  const own = Object.entries(claimed).filter((entry): entry is [IdentifierColumn, string] => entry[1] !== null);
  if (own.length > 0) {
    const knownByOwn = await onCurrentInventory(trx('inventory_records'))
      .where((w) => {
        for (const [column, value] of own) w.orWhere(`inventory_records.${column}`, value);
      })
      .first('inventory_records.id');
    if (knownByOwn) return [];
  }
  const claims: IdentifierClaim[] = [];
  for (const mac of macs) {
    const inInventory = await onCurrentInventory(trx('inventory_records'))
      .join('inventory_macs', 'inventory_macs.record_id', 'inventory_records.id')
      .where('inventory_macs.mac', mac)
      .whereIn('inventory_records.integration_id', macMatching)
      .first('inventory_records.id');
    if (!inInventory) continue;
    // Normalised MACs are 12 hex digits: no LIKE wildcard can hide in one. First enrolled first,
    // then by id: one order on both databases (the release's judge orders them the same way).
    const heldBy = (await trx('endpoints')
      .where('mac_addresses', 'like', `%"${mac}"%`)
      .whereNot({ id: endpointId })
      .whereNull('released_at')
      .andWhere((w) => w.whereNull('approval').orWhereNot('approval', 'pending'))
      .orderBy(['enrolled_at', 'id'])
      .limit(20)
      .pluck('id')) as string[];
    if (heldBy.length > 0) claims.push({ kind: 'macAddress', value: mac, heldBy });
  }
  return claims;
}
