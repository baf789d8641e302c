import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import type { Store } from '@devtrust/collector/store/store';
import type { IdentifierClaim } from '@devtrust/collector/domain/endpoint';
import type { IdentifierColumn } from '@devtrust/collector/store/identifier-columns';
import { IDENTIFIER_COLUMN_ENTRIES } from '@devtrust/collector/store/identifier-columns';
import { pendingWaitingOn, writeClaims } from '@devtrust/collector/store/repos/approval-claims';
import { bindIdentifiers, claimedColumns, holdersOf, unbindAll } from '@devtrust/collector/store/repos/identifier-bindings';
import { knownByOwnIdentifiers, macMatchingIntegrations, onCurrentInventory } from '@devtrust/collector/store/repos/mac-claims';

/**
 * The claim checks and the release as they were before they were made set-based and indexed,
 * kept as references: the MAC claims one LIKE on endpoints.mac_addresses per MAC (before
 * endpoint_macs), the release one check per waiter in enrollment order (before release-waiters.ts).
 */

/** The MAC claims as the LIKE on each endpoint's JSON list found them, one MAC after the other (what changed: the inventory and holder reads per MAC). */
export async function referenceMacClaims(
  trx: Knex.Transaction,
  endpointId: string,
  claimed: Record<IdentifierColumn, string | null>,
  macs: string[],
): Promise<IdentifierClaim[]> {
  if (macs.length === 0) return [];
  const macMatching = await macMatchingIntegrations(trx);
  if (macMatching.length === 0) return [];
  if (await knownByOwnIdentifiers(trx, claimed)) return [];
  const claims: IdentifierClaim[] = [];
  for (const mac of macs) {
    const inInventory = await onCurrentInventory(trx('inventory_records'))
      .join('inventory_macs', 'inventory_macs.record_id', 'inventory_records.id')
      .where('inventory_macs.mac', mac)
      .whereIn('inventory_records.integration_id', macMatching)
      .first('inventory_records.id');
    if (!inInventory) continue;
    const heldBy = (await trx('endpoints')
      .where('mac_addresses', 'like', `%"${mac}"%`)
      .whereNot({ id: endpointId })
      .whereNull('released_at')
      .andWhere((w) => w.whereNull('approval').orWhereNotIn('approval', ['pending', 'denied']))
      .orderBy(['enrolled_at', 'id'])
      .limit(20)
      .pluck('id')) as string[];
    if (heldBy.length > 0) claims.push({ kind: 'macAddress', value: mac, heldBy });
  }
  return claims;
}

/** The release as it was before: each waiter judged by holdersOf per kind and referenceMacClaims, written one by one. */
async function referenceRelease(trx: Knex.Transaction, id: string, at: number): Promise<{ freed: string[]; stillPending: string[] }> {
  await trx('endpoints').where({ id }).whereNull('released_at').update({ released_at: at, blocked: true });
  await trx('endpoints').where({ id, approval: 'pending' }).update({ approval: 'denied' });
  await unbindAll(trx, id);
  const freed: string[] = [];
  const stillPending: string[] = [];
  for (const claimant of await pendingWaitingOn(trx, id)) {
    const claimed = claimedColumns(claimant);
    const claims: IdentifierClaim[] = [];
    for (const [kind, column] of IDENTIFIER_COLUMN_ENTRIES) {
      const value = claimed[column];
      if (value === null) continue;
      const heldBy = await holdersOf(trx, kind, value, claimant.id);
      if (heldBy.length > 0) claims.push({ kind, value, heldBy });
    }
    claims.push(...(await referenceMacClaims(trx, claimant.id, claimed, JSON.parse(claimant.mac_addresses ?? '[]') as string[])));
    if (claims.length === 0) {
      if (!(await writeClaims(trx, claimant.id, [], { approval: 'approved', ifPending: true }))) continue;
      await bindIdentifiers(trx, claimant.id, claimed, at);
      freed.push(claimant.id);
    } else if (await writeClaims(trx, claimant.id, claims, { ifPending: true })) stillPending.push(claimant.id);
  }
  return { freed, stillPending };
}

/** Everything a release may change, in one order. */
async function snapshot(db: Knex): Promise<unknown> {
  return {
    endpoints: await db('endpoints').orderBy('id').select('id', 'approval', 'approval_claims', 'blocked', 'released_at'),
    bindings: (
      await db('identifier_bindings').orderBy(['kind', 'value', 'endpoint_id']).select('kind', 'value', 'endpoint_id', 'bound_at')
    ).map((r: { bound_at: unknown }) => ({ ...r, bound_at: Number(r.bound_at) })),
    index: await db('approval_claim_holders').orderBy(['endpoint_id', 'holder_id']).select('endpoint_id', 'holder_id'),
  };
}

class Rollback extends Error {}

/** Releases `holder` as the reference would (run first, rolled back) and asserts the same outcome and state. */
export async function releaseAsReference(store: Store, holder: string, when: string): Promise<{ freed: string[]; stillPending: string[] }> {
  const at = Date.now() + 1000;
  let expected: { result: unknown; state: unknown } | undefined;
  await assert.rejects(
    store.knex.transaction(async (trx) => {
      const result = await referenceRelease(trx, holder, at);
      expected = { result, state: await snapshot(trx) };
      throw new Rollback();
    }),
    Rollback,
  );
  const released = await store.endpoints.release(holder, at);
  assert.ok(released?.released, when);
  assert.deepEqual({ freed: released.freed, stillPending: released.stillPending }, expected?.result, when);
  assert.deepEqual(await snapshot(store.knex), expected?.state, when);
  return released;
}
