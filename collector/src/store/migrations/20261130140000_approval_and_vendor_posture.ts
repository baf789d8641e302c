import type { Knex } from 'knex';

// Frozen: a migration never changes once released and never imports application code.
export async function up(knex: Knex): Promise<void> {
  // An endpoint that reports an identifier another enrolled endpoint already holds waits
  // for an administrator: approval is null (never needed), pending, approved or denied.
  // approval_claims holds the contested identifiers (JSON), shown to the admin and, once
  // approved, the claims the approval covers.
  await knex.schema.alterTable('endpoints', (t) => {
    t.string('approval', 16);
    t.text('approval_claims');
    t.index(['approval'], 'endpoints_approval');
  });
  // Posture as an MDM or EDR vendor reports it, beside the identifiers of the same record;
  // null where the vendor does not say.
  await knex.schema.alterTable('inventory_records', (t) => {
    t.boolean('posture_disk_encryption');
    t.boolean('posture_firewall');
    t.string('posture_os_version', 64);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('inventory_records', (t) => {
    t.dropColumn('posture_os_version');
    t.dropColumn('posture_firewall');
    t.dropColumn('posture_disk_encryption');
  });
  await knex.schema.alterTable('endpoints', (t) => {
    t.dropIndex(['approval'], 'endpoints_approval');
    t.dropColumn('approval_claims');
    t.dropColumn('approval');
  });
}
