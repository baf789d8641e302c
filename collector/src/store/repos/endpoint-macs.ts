import type { Knex } from 'knex';
import { chunks, IN_LIST_CHUNK } from '../in-lists.js';
import type { MacHolder } from '../release-judgement.js';

/**
 * endpoint_macs: the MACs each endpoint reports, a row each, kept equal to endpoints.mac_addresses
 * (which reads keep using: it comes with the row) by triggers on that column, in the statement
 * that writes it (migration 20261207100000): no repository writes it. Who reports a MAC is an
 * index look-up here; on the JSON list it was a LIKE that scanned every endpoint, once per MAC.
 */

/**
 * Per MAC, the first `limit` endpoints that report it and hold it (not released, not pending
 * approval, not denied), first enrolled first, then by id: one order on both databases. One statement per
 * IN_LIST_CHUNK MACs. `except`: an endpoint left out (the one whose claims are being checked).
 * A MAC nobody holds is absent from the answer.
 */
export async function macHolders(
  trx: Knex | Knex.Transaction,
  macs: readonly string[],
  limit: number,
  except?: string,
): Promise<Map<string, MacHolder[]>> {
  const holders = new Map<string, MacHolder[]>();
  for (const chunk of chunks([...new Set(macs)], IN_LIST_CHUNK)) {
    const ranked = trx('endpoint_macs as m')
      .join('endpoints as e', 'e.id', 'm.endpoint_id')
      .select('m.mac', 'e.id', 'e.enrolled_at')
      .select(trx.raw('row_number() over (partition by m.mac order by e.enrolled_at, e.id) as rank'))
      .whereIn('m.mac', chunk)
      .whereNull('e.released_at')
      // A denied endpoint holds nothing (its claims never count): named as a holder, each copy an
      // admin denied made the next copy of the same MAC wait on it too, read as a blocked holder
      // (the stolen-device warning) with a Release offered that answers 409 ENDPOINT_DENIED.
      .andWhere((w) => w.whereNull('e.approval').orWhereNotIn('e.approval', ['pending', 'denied']));
    if (except !== undefined) ranked.whereNot('e.id', except);
    const rows = (await trx
      .from(ranked.as('ranked'))
      .where('rank', '<=', limit)
      .orderBy(['mac', 'rank'])
      .select('mac', 'id', 'enrolled_at')) as { mac: string; id: string; enrolled_at: number | string }[];
    for (const row of rows) {
      const holder = { id: row.id, enrolledAt: Number(row.enrolled_at) };
      const list = holders.get(row.mac);
      if (list) list.push(holder);
      else holders.set(row.mac, [holder]);
    }
  }
  return holders;
}
