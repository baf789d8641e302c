import type { Knex } from 'knex';

// Frozen: a migration never changes once released and never imports application code.
export async function up(knex: Knex): Promise<void> {
  // The administrator actions log. Rows are only ever appended (and purged past their
  // retention); `before`/`after` hold JSON already stripped of secrets.
  await knex.schema.createTable('admin_log', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('at').notNullable();
    t.string('actor_kind', 16).notNullable();
    t.string('actor_key_id', 64);
    t.string('actor_key_name', 200);
    t.string('source_address', 64);
    t.string('user_agent', 512);
    t.string('resource_type', 32).notNullable();
    t.string('resource_id', 256);
    t.string('action', 64).notNullable();
    t.text('before');
    t.text('after');
    // Retention purges and since/until filters by time; the log page reads one resource's history.
    t.index(['at'], 'admin_log_at');
    t.index(['resource_type', 'resource_id', 'id'], 'admin_log_resource');
    t.index(['actor_key_id', 'id'], 'admin_log_actor');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('admin_log');
}
