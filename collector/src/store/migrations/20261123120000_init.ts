import type { Knex } from 'knex';

// Frozen: a migration never changes once released and never imports application code.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('settings', (t) => {
    t.string('key', 64).primary();
    t.text('value').notNullable();
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.string('id', 64).primary();
    t.string('name', 200).notNullable();
    t.string('role', 20).notNullable();
    t.string('key_hash', 64).notNullable().unique();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_used_at');
    t.bigInteger('revoked_at');
  });

  await knex.schema.createTable('endpoints', (t) => {
    t.string('id', 64).primary();
    t.string('public_key', 64).notNullable().unique();
    t.bigInteger('enrolled_at').notNullable();
    t.bigInteger('last_seen_at').notNullable();
    t.bigInteger('last_seq').notNullable().defaultTo(0);
    t.string('platform', 16);
    t.string('hostname', 256);
    t.string('hardware_uuid', 256).index();
    t.string('serial_number', 256).index();
    t.string('machine_guid', 256).index();
    t.text('mac_addresses');
    t.text('report');
    t.boolean('blocked').notNullable().defaultTo(false);
    t.string('last_user', 256);
    t.text('last_verdict');
  });

  await knex.schema.createTable('reports', (t) => {
    t.increments('id').primary();
    t.string('endpoint_id', 64).notNullable().references('endpoints.id').onDelete('CASCADE');
    t.bigInteger('received_at').notNullable();
    t.bigInteger('seq').notNullable();
    t.text('body').notNullable();
    t.index(['endpoint_id', 'id']);
  });

  await knex.schema.createTable('integrations', (t) => {
    t.string('id', 64).primary();
    t.string('kind', 40).notNullable();
    t.string('category', 8).notNullable();
    t.string('name', 200).notNullable();
    t.text('platforms').notNullable();
    t.text('config').notNullable();
    t.text('secrets');
    t.string('activation_mode', 16).notNullable().defaultTo('disabled');
    t.text('activation_groups').notNullable().defaultTo('[]');
    t.string('current_generation', 64);
    t.bigInteger('synced_at');
    t.text('schedule');
    t.bigInteger('next_sync_at');
    t.string('lock_owner', 80);
    t.bigInteger('lock_until');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('inventory_records', (t) => {
    t.string('id', 64).primary();
    t.string('integration_id', 64).notNullable().references('integrations.id').onDelete('CASCADE');
    t.string('generation', 64).notNullable();
    t.string('external_id', 256);
    t.string('hardware_uuid', 256);
    t.string('serial_number', 256);
    t.string('machine_guid', 256);
    t.string('device_name', 256);
    t.string('platform', 16);
    t.string('owner', 256);
    t.boolean('managed');
    t.string('edr_connector_id', 256);
    t.string('edr_status', 16);
    t.string('edr_detail', 512);
    t.bigInteger('edr_seen_at');
    t.text('placeholders');
    t.text('raw');
    t.index(['integration_id', 'generation']);
    t.index(['hardware_uuid']);
    t.index(['serial_number']);
    t.index(['machine_guid']);
    t.index(['edr_connector_id']);
  });

  await knex.schema.createTable('inventory_macs', (t) => {
    t.string('record_id', 64).notNullable().references('inventory_records.id').onDelete('CASCADE');
    t.string('integration_id', 64).notNullable();
    t.string('generation', 64).notNullable();
    t.string('mac', 12).notNullable().index();
    t.index(['integration_id', 'generation']);
  });

  await knex.schema.createTable('sync_runs', (t) => {
    t.string('id', 64).primary();
    t.string('integration_id', 64).notNullable().references('integrations.id').onDelete('CASCADE');
    t.string('status', 16).notNullable();
    t.string('trigger', 16).notNullable();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('finished_at');
    t.integer('pages').notNullable().defaultTo(0);
    t.integer('devices').notNullable().defaultTo(0);
    t.text('error');
    t.string('node', 80);
    t.index(['integration_id', 'started_at']);
  });

  await knex.schema.createTable('applications', (t) => {
    t.string('id', 64).primary();
    t.string('name', 200).notNullable();
    t.string('client_id', 64).notNullable().unique();
    t.string('client_secret_hash', 64).notNullable();
    t.text('client_secret_sealed').notNullable();
    t.text('redirect_uris').notNullable();
    t.text('policy').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('users', (t) => {
    t.string('username', 256).primary();
    t.text('groups').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('transactions', (t) => {
    t.string('id', 64).primary();
    t.string('application_id', 64).notNullable().references('applications.id').onDelete('CASCADE');
    t.string('username', 256).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.string('state', 16).notNullable();
    t.string('verdict', 16);
    t.string('access', 8);
    t.text('reasons');
    t.string('endpoint_id', 64);
    t.bigInteger('decided_at');
    t.index(['expires_at']);
  });

  await knex.schema.createTable('auth_log', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('at').notNullable().index();
    t.string('transaction_id', 64);
    t.string('application_id', 64);
    t.string('application_name', 200);
    t.string('username', 256).index();
    t.string('endpoint_id', 64);
    t.string('verdict', 16).notNullable();
    t.string('access', 8).notNullable();
    t.text('reasons').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'auth_log',
    'transactions',
    'users',
    'applications',
    'sync_runs',
    'inventory_macs',
    'inventory_records',
    'integrations',
    'reports',
    'endpoints',
    'api_keys',
    'settings',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
