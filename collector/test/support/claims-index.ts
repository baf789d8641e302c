import assert from 'node:assert/strict';
import type { Knex } from 'knex';

/**
 * Asserts that table approval_claim_holders is exactly the index of endpoints.approval_claims:
 * one row per endpoint and each holder its stored claims name, no more, no fewer. Parsed here
 * on its own (not with the store's code) so a bug there cannot hide in both.
 */
export async function assertClaimsIndexed(knex: Knex, when: string): Promise<void> {
  const endpoints = (await knex('endpoints').select('id', 'approval_claims')) as { id: string; approval_claims: string | null }[];
  const expected = endpoints.flatMap((e) => {
    const claims = (e.approval_claims ? JSON.parse(e.approval_claims) : []) as { heldBy: string[] }[];
    return [...new Set(claims.flatMap((c) => c.heldBy))].map((holder) => `${e.id} -> ${holder}`);
  });
  const rows = (await knex('approval_claim_holders').select('endpoint_id', 'holder_id')) as { endpoint_id: string; holder_id: string }[];
  assert.deepEqual(rows.map((r) => `${r.endpoint_id} -> ${r.holder_id}`).sort(), expected.sort(), `the claims' index after ${when}`);
}
