import type { Knex } from 'knex';

// Frozen: a migration never changes once released and never imports application code.
// Keyset paging (the admin API's cursors) walks an index in order and stops after one page,
// at any depth; each index below leads with what a listing filters on and ends with its
// order, so a page and its capped count read one index range.
export async function up(knex: Knex): Promise<void> {
  // Endpoints newest-enrolled first (stable while agents report) or most recently seen first.
  await knex.schema.alterTable('endpoints', (t) => {
    t.index(['enrolled_at', 'id'], 'endpoints_enrolled_page');
    t.index(['last_seen_at', 'id'], 'endpoints_last_seen_page');
  });
  // The auth log newest first, by time then id. The time index also carries what the
  // dashboard's verdict chart groups by, so that chart reads the index alone; it replaces
  // the single-column time index (retention's `at < ?` uses its leading column).
  await knex.schema.alterTable('auth_log', (t) => {
    t.dropIndex(['at']);
    t.dropIndex(['username']);
    t.index(['at', 'id', 'outcome', 'verdict', 'access'], 'auth_log_at_page');
    t.index(['username', 'at', 'id'], 'auth_log_username_page');
    t.index(['application_id', 'at', 'id'], 'auth_log_application_page');
    t.index(['endpoint_id', 'at', 'id'], 'auth_log_endpoint_page');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('auth_log', (t) => {
    t.dropIndex(['endpoint_id', 'at', 'id'], 'auth_log_endpoint_page');
    t.dropIndex(['application_id', 'at', 'id'], 'auth_log_application_page');
    t.dropIndex(['username', 'at', 'id'], 'auth_log_username_page');
    t.dropIndex(['at', 'id', 'outcome', 'verdict', 'access'], 'auth_log_at_page');
    t.index(['username']);
    t.index(['at']);
  });
  await knex.schema.alterTable('endpoints', (t) => {
    t.dropIndex(['last_seen_at', 'id'], 'endpoints_last_seen_page');
    t.dropIndex(['enrolled_at', 'id'], 'endpoints_enrolled_page');
  });
}
