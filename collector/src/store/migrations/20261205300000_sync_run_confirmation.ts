import type { Knex } from 'knex';

// Frozen. A sync run records whether an admin confirmed that it may empty (or shrink past the
// integration's limit) the inventory, and the stable code of its failure, so the admin log, run
// history and the console can tell a run refused for listing no devices from a vendor outage,
// and offer the confirmed sync.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.boolean('allow_empty').notNullable().defaultTo(false);
    t.string('error_code', 40);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.dropColumn('error_code');
    t.dropColumn('allow_empty');
  });
}
