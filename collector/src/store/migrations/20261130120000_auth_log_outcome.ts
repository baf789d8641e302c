import type { Knex } from 'knex';

// Frozen: a migration never changes once released and never imports application code.
export async function up(knex: Knex): Promise<void> {
  // What a row records: an agent's attestation ("attested"), a sign-in without an agent that
  // the application completed ("unattested"), or a prompt nobody attested or completed
  // ("abandoned": anyone may open one under any name, so it is kept apart from verdicts).
  await knex.schema.alterTable('auth_log', (t) => {
    t.string('outcome', 16).notNullable().defaultTo('attested');
    t.index(['outcome', 'id'], 'auth_log_outcome_id');
  });
  // Earlier rows without a device cannot be told apart any more: they stay in view.
  await knex('auth_log').whereNull('endpoint_id').update({ outcome: 'unattested' });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('auth_log', (t) => {
    t.dropIndex(['outcome', 'id'], 'auth_log_outcome_id');
  });
  await knex.schema.alterTable('auth_log', (t) => t.dropColumn('outcome'));
}
