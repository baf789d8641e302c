import type { Knex } from 'knex';

// Frozen: a migration never changes once released and never imports application code.
export async function up(knex: Knex): Promise<void> {
  // The MDM's own ID for each device (Workspace ONE UDID, Core uuid, Intune id, Jamf UDID,
  // Kandji device_id), normalised: what an MDM-asserted identity is looked up by. The index
  // leads with the ID and carries the generation, like the identifier lookups.
  await knex.schema.alterTable('inventory_records', (t) => {
    t.string('mdm_device_id', 256);
    t.index(['mdm_device_id', 'integration_id', 'generation'], 'inventory_records_mdm_device_id_lookup');
  });
  // The integration's trusted endpoints configuration key, sealed with the master key
  // (bound to the integration); null until first shown or rotated.
  await knex.schema.alterTable('integrations', (t) => {
    t.text('trusted_endpoints_key');
    t.bigInteger('trusted_endpoints_key_at');
  });
  // How a trusted verdict was identified: mdm_asserted or identifiers (null: untrusted, or older).
  await knex.schema.alterTable('transactions', (t) => t.string('assurance', 16));
  await knex.schema.alterTable('auth_log', (t) => t.string('assurance', 16));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('auth_log', (t) => t.dropColumn('assurance'));
  await knex.schema.alterTable('transactions', (t) => t.dropColumn('assurance'));
  await knex.schema.alterTable('integrations', (t) => {
    t.dropColumn('trusted_endpoints_key_at');
    t.dropColumn('trusted_endpoints_key');
  });
  await knex.schema.alterTable('inventory_records', (t) => {
    t.dropIndex(['mdm_device_id', 'integration_id', 'generation'], 'inventory_records_mdm_device_id_lookup');
    t.dropColumn('mdm_device_id');
  });
}
