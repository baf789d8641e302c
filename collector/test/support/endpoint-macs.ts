import assert from 'node:assert/strict';
import type { Knex } from 'knex';

/**
 * Asserts that table endpoint_macs lists exactly the MACs each endpoint's mac_addresses does:
 * one row per endpoint and MAC, no more, no fewer. Parsed here on its own (not with the store's
 * code) so a bug there cannot hide in both; `parse` reads a stored list (JSON.parse unless given).
 */
export async function assertMacsMirrored(knex: Knex, when: string, parse: (text: string) => string[] = JSON.parse): Promise<number> {
  const endpoints = (await knex('endpoints').select('id', 'mac_addresses')) as { id: string; mac_addresses: string | null }[];
  const expected = endpoints.flatMap((e) => [...new Set(e.mac_addresses ? parse(e.mac_addresses) : [])].map((mac) => `${e.id} ${mac}`));
  const rows = (await knex('endpoint_macs').select('endpoint_id', 'mac')) as { endpoint_id: string; mac: string }[];
  assert.deepEqual(rows.map((r) => `${r.endpoint_id} ${r.mac}`).sort(), expected.sort(), `endpoint_macs after ${when}`);
  return rows.length;
}
