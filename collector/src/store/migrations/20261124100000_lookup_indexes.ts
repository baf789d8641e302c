import type { Knex } from 'knex';

// Frozen. Identifier lookups join each record to its integration's current generation.
// With single-column identifier indexes SQLite's planner preferred the two-column
// (integration_id, generation) index and scanned a whole inventory per lookup; indexes
// that lead with the identifier and carry the generation win on every database.
const LOOKUPS = ['hardware_uuid', 'serial_number', 'machine_guid', 'edr_connector_id'] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('inventory_records', (t) => {
    for (const column of LOOKUPS) {
      t.dropIndex([column]);
      t.index([column, 'integration_id', 'generation'], `inventory_records_${column}_lookup`);
    }
  });
  await knex.schema.alterTable('inventory_macs', (t) => {
    t.dropIndex(['mac']);
    t.index(['mac', 'integration_id', 'generation'], 'inventory_macs_mac_lookup');
  });
  // Report history is pruned by sequence number, per endpoint.
  await knex.schema.alterTable('reports', (t) => {
    t.index(['endpoint_id', 'seq'], 'reports_endpoint_seq');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reports', (t) => t.dropIndex(['endpoint_id', 'seq'], 'reports_endpoint_seq'));
  await knex.schema.alterTable('inventory_macs', (t) => {
    t.dropIndex(['mac', 'integration_id', 'generation'], 'inventory_macs_mac_lookup');
    t.index(['mac']);
  });
  await knex.schema.alterTable('inventory_records', (t) => {
    for (const column of LOOKUPS) {
      t.dropIndex([column, 'integration_id', 'generation'], `inventory_records_${column}_lookup`);
      t.index([column]);
    }
  });
}
