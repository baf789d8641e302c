import type { Knex } from 'knex';

// Frozen. Every foreign key gets an index that leads with its column. Without one, each
// parent row deleted (an inventory generation swap deletes thousands of records) makes the
// database scan the whole child table for rows to cascade to or to check: with 120,000
// MAC rows, re-uploading 3,000 records held SQLite's only connection for over a minute.
// reports.endpoint_id, inventory_records.integration_id and sync_runs.integration_id already
// lead composite indexes; these two had none.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('inventory_macs', (t) => {
    t.index(['record_id'], 'inventory_macs_record_id');
  });
  await knex.schema.alterTable('transactions', (t) => {
    t.index(['application_id'], 'transactions_application_id');
  });
  // A cancel asked of a run another collector process is executing: that process polls
  // for it (one process cannot abort another's vendor calls directly).
  await knex.schema.alterTable('sync_runs', (t) => {
    t.bigInteger('cancel_requested_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => t.dropColumn('cancel_requested_at'));
  await knex.schema.alterTable('transactions', (t) => t.dropIndex(['application_id'], 'transactions_application_id'));
  await knex.schema.alterTable('inventory_macs', (t) => t.dropIndex(['record_id'], 'inventory_macs_record_id'));
}
